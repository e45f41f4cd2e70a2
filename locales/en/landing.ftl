## templates/landing.html
