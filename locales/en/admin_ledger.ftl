## templates/admin_ledger.html
