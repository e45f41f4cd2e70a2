## templates/privacy.html
