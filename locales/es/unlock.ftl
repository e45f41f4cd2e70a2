## templates/unlock.html (and the link's refusals of src/accounts/pages.rs)

unlock-title = Desbloquear su cuenta
unlock-done = Su cuenta vuelve a estar desbloqueada. Si los intentos fallidos no fueron suyos, cambie su contraseña después de iniciar sesión.
unlock-sign-in = Iniciar sesión
unlock-intro = Su cuenta se puso en pausa tras varios intentos fallidos de inicio de sesión. Este enlace la desbloquea, una sola vez.
unlock-button = Desbloquear mi cuenta
unlock-no-link = Esta página se abre desde el enlace del correo electrónico que se le envió.
unlock-link-gone = Este enlace ya no funciona: ya se usó, tiene más de un día o se copió de forma incompleta.
