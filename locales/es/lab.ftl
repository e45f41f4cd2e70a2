## templates/lab.html
