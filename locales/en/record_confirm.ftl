## templates/record_confirm.html
