## templates/prescription_verify.html
