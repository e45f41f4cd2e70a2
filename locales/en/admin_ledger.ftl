## templates/admin_ledger.html
admin_ledger-title = Ledger
# Before the command `careledger ledger verify`.
admin_ledger-intro = Every clinical write is an entry; entries are sealed into signed blocks. Check it all with
# Right after the command (no space before it).
admin_ledger-intro-after = { "." }
admin_ledger-public-key = Public key (Ed25519):
admin_ledger-alerts-heading = Integrity alerts
admin_ledger-alerts-none = None.
admin_ledger-blocks-heading = Blocks, newest first
admin_ledger-blocks-none = No blocks yet.
admin_ledger-col-height = Height
admin_ledger-col-entries = Entries
admin_ledger-col-root = Root
admin_ledger-col-hash = Hash
admin_ledger-col-sealed = Sealed
