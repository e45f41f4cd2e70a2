## templates/record.html
