## templates/record_confirm.html

record_confirm-title = Confirm the patient
record_confirm-heading = Is this the right patient?
# $type is the record's type (Visit, Diagnosis…).
record_confirm-intro = The record “{ $title }” ({ $type }) will be written for:
record_confirm-name = Name
record_confirm-email = Email
record_confirm-patient-id = Patient id
record_confirm-help = Records cannot be changed once written. If this is not the patient you meant, go back and check the email.
record_confirm-save = Save the record for { $name }
record_confirm-change = Change the patient or the record
