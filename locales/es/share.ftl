## templates/share.html
