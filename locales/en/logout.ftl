## templates/logout.html
