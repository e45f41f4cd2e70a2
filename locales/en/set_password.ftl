## templates/set_password.html
