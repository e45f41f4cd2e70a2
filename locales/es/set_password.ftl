## templates/set_password.html

set_password-title = Elija su contraseña
set_password-heading = Elija su contraseña
set_password-intro = Elija una contraseña de al menos 10 caracteres que sea difícil de adivinar; después inicie sesión con su correo electrónico. Se cerrará la sesión en todos los dispositivos conectados a su cuenta.
set_password-password-label = Nueva contraseña
set_password-button = Guardar contraseña
set_password-back = Volver a iniciar sesión
# The one-time link no longer works.
set_password-link-dead = Este enlace ya no funciona (se usó, caducó, se sustituyó por otro más reciente o se escribió mal). Pida uno nuevo con «¿Olvidó su contraseña?» en la página de inicio de sesión, o en la recepción de la clínica.
