## templates/admin_users.html
