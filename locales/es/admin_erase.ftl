## templates/admin_erase.html
