## templates/patients.html
