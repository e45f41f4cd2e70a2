## templates/record_form.html

record_form-title = Write a record
record_form-help = Records cannot be changed once written.
record_form-error = Please correct the fields marked below.
record_form-patient-email = Patient's email
# The record's title field.
record_form-record-title = Title
record_form-type = Type
record_form-notes = Notes
record_form-submit = Save record
