## templates/doctor_dashboard.html
