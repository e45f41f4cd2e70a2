## templates/register.html (the roles' names are role-* of common.ftl)

register-title = Registrarse
register-heading = Crear una cuenta
register-correct-fields = Corrija los campos marcados abajo.
register-full-name = Nombre completo
register-email = Correo electrónico
register-password = Contraseña
register-password-help = Al menos 10 caracteres; unas cuantas palabras sin relación entre sí funcionan bien.
register-role = Soy
register-staff-wait = Las cuentas del personal esperan la aprobación de un administrador antes de poder actuar.
register-accept-before = Al crear una cuenta acepta el
register-privacy-link = aviso de privacidad
register-accept-after = de careledger (versión { $version }).
register-button = Crear la cuenta
