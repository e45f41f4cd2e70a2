## templates/record.html

record-print-head = medical record · printed { $printed }
record-type = Type
record-patient = Patient
# Links beside the patient's name.
record-patient-chart = chart
record-patient-care-team = care team
record-written-by = Written by
record-doctor = Dr { $name }
record-written-at = Written at
record-version = Version
record-id = Record id
record-notes = Notes

record-files = Files
record-file-size = { $size } bytes
# Before the file's SHA-256 fingerprint.
record-file-hash = SHA-256

record-amend-heading = Amend
record-amend-help = An amendment is a new version: the record as it stood stays, and both are in the ledger.
record-form-error = Please correct the fields marked below.
record-amend-title = Title
record-amend-reason = Why you amend it (required; kept with the version)
record-amend-submit = Amend
record-attach-heading = Attach a file
record-attach-file = File (PDF, PNG, JPEG or text)
record-attach-submit = Attach

record-proof-heading = Proof that this record was not altered
# The entry's number (in bold) comes between these two parts; $size is how many entries the block covers.
record-proof-entry-before = This version of the record is entry
record-proof-entry-after = of the clinic's ledger, the append-only log every clinical write goes into. It is sealed in a block the server signed, over the first { $size } entries. If anyone changed this record, or removed it, its entry would no longer match the signed block.
# The verification code (in bold) comes between these two parts.
record-proof-code-before = Its verification code is
record-proof-code-after = (the start of the entry's fingerprint, printed on paper copies).
record-proof-download = Download the proof
record-howto-summary = How to check it yourself
# One paragraph, cut around code names that stay as they are: leaf_hash, audit_path, the block's
# address, a link (record-howto-key-link), the block's and the root's hashes.
record-howto-fingerprint = The proof file holds the entry, its fingerprint (
record-howto-path = ) and the hashes that lead from it to the block's root (
record-howto-signature = ), as RFC 9162 (Certificate Transparency 2.0) describes. Hash your way up the path to the root, then check the block's signature (
record-howto-key = ) with the clinic's public key (
record-howto-key-link = public key
record-howto-block = ). Block
record-howto-root = , root
record-howto-end = { "." }
record-versions = Versions
record-version-entry = entry #{ $n }
record-version-amended = amended: { $reason }

## The foot of the printed page.
record-foot-written = written by Dr { $name } on { $when }
record-foot-version = version { $version }
record-foot-entry = ledger entry { $entry }, block { $block }
record-foot-code = verification code
