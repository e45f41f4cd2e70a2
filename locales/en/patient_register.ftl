## templates/patient_register.html

patient_register-title = Register a patient
# $name: the patient's name
patient_register-done-heading = { $name } is registered
# "Medical record number <strong>MRN</strong>."
patient_register-mrn-before = Medical record number
patient_register-mrn-after = .
# $until: when the link stops working (27 Nov 2026, 21:44)
patient_register-link-intro = Give the patient this one-time link to set their password (it works once, until { $until }):
patient_register-link-intro-emailed = Give the patient this one-time link to set their password (it works once, until { $until }); it was emailed to them too:
patient_register-another = Register another
patient_register-front-desk = Front desk
patient_register-heading = Register a patient
patient_register-form-error = Please correct the fields marked below.
patient_register-full-name-label = Full name
patient_register-email-label = Email
patient_register-dob-label = Date of birth
patient_register-sex-label = Sex
patient_register-phone-label = Phone (optional)
patient_register-address-label = Address (optional)
patient_register-button = Register
patient_register-sex-choose = Choose…
