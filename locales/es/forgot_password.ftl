## templates/forgot_password.html
