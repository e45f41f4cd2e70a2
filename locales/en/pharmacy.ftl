## templates/pharmacy.html
