## templates/appointments.html
