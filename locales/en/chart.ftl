## templates/chart.html
