## templates/reset_link.html
