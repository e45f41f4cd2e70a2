## templates/patient_register.html
