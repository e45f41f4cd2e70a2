## templates/emergency_access.html
