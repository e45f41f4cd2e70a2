## templates/shares.html
