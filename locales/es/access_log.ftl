## templates/access_log.html
