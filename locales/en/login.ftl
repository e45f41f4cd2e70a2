## templates/login.html
