## templates/prescription_form.html
prescription_form-title = New prescription
prescription_form-heading-for = New prescription for { $name }
prescription_form-intro = Each drug is checked against the patient's other prescriptions, their allergies and the usual adult dose, from the knowledge base this clinic runs offline.
prescription_form-back-to-chart = Back to the chart
prescription_form-errors = Please correct the fields marked below.
prescription_form-warnings-heading = Safety warnings
prescription_form-warnings-help = Change the prescription, or tick the box below and say why it should go ahead anyway.
prescription_form-drug-n = Drug { $n }
prescription_form-drug-n-optional = Drug { $n } (optional)
prescription_form-field-drug = Drug (generic name)
prescription_form-field-dose = Dose (mg per intake)
prescription_form-field-frequency = Times a day
prescription_form-field-duration = For how many days
prescription_form-field-instructions = Instructions (optional)
prescription_form-acknowledge = I have read the warnings above and prescribe anyway
prescription_form-field-reason = Why (kept with the prescription)
prescription_form-submit = Prescribe
