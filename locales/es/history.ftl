## templates/history.html
