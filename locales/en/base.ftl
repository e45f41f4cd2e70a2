## templates/base.html
base-skip = Skip to content
base-main-nav = Main
base-account = Account
base-sign-out = Sign out
base-sign-in = Sign in
base-register = Register
base-footer = careledger · every clinical write is recorded · times in { $zone }
