## templates/admin_audit.html
