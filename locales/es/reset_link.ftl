## templates/reset_link.html ($name: the account's holder)

reset_link-title = Enlace para restablecer la contraseña
reset_link-heading = Enlace para restablecer la contraseña de { $name }
reset_link-give = Entregue este enlace a { $name } en persona o por teléfono (no por un canal que lean otras personas). Funciona una sola vez, hasta el
reset_link-after = ; al elegir una contraseña nueva con él se cierra la sesión de su cuenta en todas partes, y la verificación en dos pasos, si está activada, seguirá pidiendo su código.
reset_link-emailed = Se le ha avisado por correo electrónico de que se creó este enlace.
reset_link-not-again = El enlace no se vuelve a mostrar. El registro de auditoría deja constancia de que usted lo creó.
reset_link-back = Volver a usuarios
