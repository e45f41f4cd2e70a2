## templates/prescription_verify.html
prescription_verify-title = Verify a prescription
prescription_verify-genuine = Genuine (signed by this clinic):
prescription_verify-unchanged = Unchanged since printed:
prescription_verify-open = Still open:
prescription_verify-yes = yes
prescription_verify-no = no
prescription_verify-now-heading = As it stands now
prescription_verify-check-with-prescriber = Check with the prescriber before dispensing.
prescription_verify-patient = Patient:
prescription_verify-prescriber = Prescriber:
prescription_verify-doctor = Dr { $name }
prescription_verify-version = version { $version }
prescription_verify-dose-mg = { $dose } mg
prescription_verify-for-days = for { $n } days
prescription_verify-open-link = Open the prescription
prescription_verify-field-token = Code from the prescription's QR code
prescription_verify-submit = Verify
# The page's message when the form was sent empty (src/prescriptions/pages.rs).
prescription_verify-empty-token = Paste the code, or the whole link, from the prescription's QR code.
