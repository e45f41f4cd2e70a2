## templates/error.html
error-request-id = Request id:
error-back = Back to the start
