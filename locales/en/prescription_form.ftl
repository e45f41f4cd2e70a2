## templates/prescription_form.html
