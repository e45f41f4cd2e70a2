## templates/forgot_password.html

forgot_password-title = ¿Olvidó su contraseña?
forgot_password-sent-before = Si existe una cuenta con el correo electrónico
forgot_password-sent-after = , le hemos enviado un enlace para elegir una contraseña nueva. El enlace funciona una sola vez, durante { $minutes } minutos. Si no llega, revise su carpeta de correo no deseado.
forgot_password-no-email-sent = Esta clínica no tiene configurado el envío de correos electrónicos. Pida a un administrador o a la recepción un enlace para elegir una contraseña nueva.
forgot_password-back = Volver a iniciar sesión
forgot_password-intro = Indique el correo electrónico con el que inicia sesión. Si tiene una cuenta, le enviaremos un enlace para elegir una contraseña nueva (funciona una sola vez, durante { $minutes } minutos).
forgot_password-email = Correo electrónico
forgot_password-button = Enviar el enlace
forgot_password-no-email = Esta clínica no tiene configurado el envío de correos electrónicos. Pida a un administrador o a la recepción un enlace para elegir una contraseña nueva: funciona una sola vez, y pueden crearlo para usted en el momento.
