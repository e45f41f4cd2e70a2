## templates/admin_erase.html
admin_erase-title = Erase a patient
# What was done (src/erasure/pages.rs): $records and $files are the two messages below.
admin_erase-done = { $name } was erased: { $records }, { $files }, and the erasure is ledger entry { $entry }.
admin_erase-done-records = { $n } records can no longer be read
admin_erase-done-files = { $n } files were deleted
admin_erase-back-to-users = Back to users
# Before the patient's name (in bold).
admin_erase-help-before = Erasure cannot be undone. It destroys the key of every record, amendment and file of
# After the patient's name.
admin_erase-help-after = ({ $email }), deletes their files, removes their name, email and password from the account and switches it off. The ledger keeps its entries (ids and hashes only) and records the erasure, so it still verifies. The audit trail keeps who accessed the records.
admin_erase-errors = Please correct the fields marked below.
admin_erase-field-reason = Why (the patient's request and its reference)
admin_erase-reason-help = At least { $n } characters.
admin_erase-field-confirm = Type the patient's email to confirm
admin_erase-submit = Erase this patient for good
admin_erase-cancel = Cancel
