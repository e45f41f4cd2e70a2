## templates/print_records.html
