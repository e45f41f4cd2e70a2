## templates/mfa.html

mfa-title = Verificación en dos pasos
mfa-pending = Su cuenta está a la espera de la aprobación de un administrador. Podrá trabajar cuando se apruebe; configure ahora la verificación en dos pasos, ya que su rol la exige.
mfa-now-on = La verificación en dos pasos está activada.
mfa-recovery-heading = Sus códigos de recuperación
mfa-recovery-help = Cada uno funciona una sola vez, por si pierde su teléfono. Guárdelos en un lugar seguro: no se vuelven a mostrar.
mfa-continue = Continuar
mfa-on = La verificación en dos pasos está activada en su cuenta.
mfa-back-dashboard = Volver a su panel
mfa-step-scan = Escanee este código con una aplicación de autenticación (o escriba la clave que aparece abajo).
mfa-step-enter = Introduzca el código de 6 dígitos que muestra la aplicación.
mfa-qr-label = Código QR para su aplicación de autenticación
mfa-key = Clave:
mfa-code-label = Código de su aplicación
mfa-turn-on = Activar la verificación en dos pasos
mfa-required = Su rol debe usar la verificación en dos pasos antes de cualquier otra cosa.
mfa-explain = La verificación en dos pasos le pide un código de una aplicación de su teléfono cada vez que inicia sesión.
mfa-set-up = Configurar la verificación en dos pasos
