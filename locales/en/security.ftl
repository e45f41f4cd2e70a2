## templates/security.html
