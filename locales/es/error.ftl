## templates/error.html
error-request-id = Identificador de la petición:
error-back = Volver al inicio
