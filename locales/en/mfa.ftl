## templates/mfa.html

mfa-title = Two-factor sign-in
mfa-pending = Your account is waiting for an administrator's approval. You will be able to work once it is approved; set up two-factor sign-in now, as your role needs it.
mfa-now-on = Two-factor sign-in is on.
mfa-recovery-heading = Your recovery codes
mfa-recovery-help = Each works once, if you lose your phone. Keep them somewhere safe: they are not shown again.
mfa-continue = Continue
mfa-on = Two-factor sign-in is on for your account.
mfa-back-dashboard = Back to your dashboard
mfa-step-scan = Scan this code with an authenticator app (or type the key below).
mfa-step-enter = Enter the 6-digit code the app shows.
mfa-qr-label = QR code for your authenticator app
# Before the key to type into the app instead of scanning.
mfa-key = Key:
mfa-code-label = Code from your app
mfa-turn-on = Turn on two-factor sign-in
mfa-required = Your role must use two-factor sign-in before anything else.
mfa-explain = Two-factor sign-in asks for a code from an app on your phone each time you sign in.
mfa-set-up = Set up two-factor sign-in
