## templates/login_code.html
