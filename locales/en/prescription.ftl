## templates/prescription.html
prescription-title = Prescription
prescription-printed = prescription · printed { $when }
prescription-patient = Patient:
prescription-prescriber = Prescriber:
prescription-doctor = Dr { $name }
prescription-issued = Issued:
prescription-status = Status:
prescription-version = version { $version }
# Followed by the time.
prescription-editable-until = the prescriber may change it until
prescription-col-drug = Drug
prescription-col-dose = Dose
prescription-col-how-often = How often
prescription-col-for = For
prescription-col-instructions = Instructions
prescription-dose-mg = { $dose } mg
prescription-days = { $n } days
prescription-alerts-heading = New since it was issued
prescription-alert-allergy = allergy
prescription-check-with-prescriber = Check with the prescriber before dispensing.
prescription-warnings-heading = Safety warnings
prescription-acknowledged = Acknowledged by the prescriber:
prescription-qr-caption = Pharmacists: scan to verify that this prescription is genuine, unchanged and still open.
prescription-signed = Signed by this clinic's server (Ed25519) and written in its ledger (entry { $entry }).
prescription-verify-now = Verify now
prescription-dispense-heading = Dispense
prescription-no-usable-batch = No usable batch of { $drug } in stock.
prescription-batch = Batch
prescription-batch-option = { $batch } · { $quantity } left · expires { $expiry }
prescription-units = Units
prescription-dispense-button = Dispense
prescription-changes-heading = Changes
# Followed by the time of the version.
prescription-change-version = Version { $version },
prescription-for-days = for { $n } days
