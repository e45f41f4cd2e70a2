## templates/login.html (and the sign-in refusals of src/accounts/pages.rs)

login-title = Iniciar sesión
login-email = Correo electrónico
login-password = Contraseña
login-two-factor-help = Si usa la verificación en dos pasos, el siguiente paso le pedirá su código.
login-button = Iniciar sesión
login-forgot = ¿Olvidó su contraseña?
login-no-account = ¿Aún no tiene cuenta?
login-register = Regístrese

login-why-next = Inicie sesión para ver esa página; después volverá a ella.
login-why-signin = Inicie sesión para continuar. Si tenía una sesión iniciada, esta ha terminado.
login-why-password-set = Su contraseña se ha guardado y se ha cerrado la sesión en todos los dispositivos. Inicie sesión con ella ahora.

login-refused-code = Ese código no es correcto (o ya se usó). Introduzca el código actual de su aplicación o un código de recuperación.
login-refused-credentials = El correo electrónico o la contraseña no son correctos.
login-refused-locked-email = Demasiados intentos fallidos seguidos: el inicio de sesión desde este navegador está en pausa hasta el { $until }. Le hemos enviado por correo un enlace para desbloquearlo antes.
login-refused-locked-admin = Demasiados intentos fallidos seguidos: el inicio de sesión desde este navegador está en pausa hasta el { $until }. Un administrador puede desbloquearlo antes.
login-warning-left-one = Si vuelve a fallar una vez más, el inicio de sesión en esta cuenta desde un dispositivo nuevo quedará en pausa durante { $minutes } minutos.
login-warning-left-other = Si falla { $n } veces más seguidas, el inicio de sesión en esta cuenta desde un dispositivo nuevo quedará en pausa durante { $minutes } minutos.
login-warning-paused = Tras { $n } intentos fallidos seguidos, el inicio de sesión en esta cuenta desde un dispositivo nuevo queda en pausa durante { $minutes } minutos, incluso con la contraseña correcta. Espere, use «¿Olvidó su contraseña?» o pida a un administrador que la desbloquee.
login-ticket-gone = No se pudo continuar con el inicio de sesión: el paso tardó más de { $minutes } minutos, la contraseña cambió o el inicio de sesión en esta cuenta está en pausa tras varios intentos fallidos. Vuelva a introducir su contraseña.
