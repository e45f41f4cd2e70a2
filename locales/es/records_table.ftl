## templates/records_table.html
