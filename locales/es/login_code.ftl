## templates/login_code.html

login_code-title = Su código de inicio de sesión
login_code-signing-in-as = Iniciando sesión como
login_code-open-app = Abra su aplicación de autenticación e introduzca el código de 6 dígitos que muestra para careledger, o uno de sus códigos de recuperación.
login_code-code = Código
login_code-button = Iniciar sesión
login_code-waits = Tiene unos minutos para escribir el código; pasado ese tiempo,
login_code-start-again = vuelva a empezar
login_code-enter-code = Introduzca el código.
