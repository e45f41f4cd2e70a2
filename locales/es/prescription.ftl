## templates/prescription.html
