## templates/record_form.html
