## templates/patient_dashboard.html
