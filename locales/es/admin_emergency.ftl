## templates/admin_emergency.html
