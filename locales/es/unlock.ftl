## templates/unlock.html
