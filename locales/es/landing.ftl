## templates/landing.html (the role notes come from src/accounts/pages.rs; the role's pages
## use the header's nav-* words of common.ftl)

landing-title = Bienvenida
landing-welcome = Le damos la bienvenida, { $name }
landing-pending = Su cuenta está a la espera de la aprobación de un administrador. Puede iniciar sesión, pero todavía no puede actuar sobre los registros.
landing-go-dashboard = Ir a su panel
landing-note-records = Sus registros están en su panel.
landing-note-admin = Apruebe al personal y gestione las cuentas en la página Usuarios.
landing-note-pharmacist = Dispense recetas, verifique las impresas y lleve el inventario.
landing-note-receptionist = Reserve citas y haga avanzar la cola del día.
landing-note-lab = Publique los resultados de las solicitudes de laboratorio abiertas.

landing-hero-title = Una historia clínica compartida y verificable
landing-hero-text = Los médicos escriben los registros; los pacientes consultan su propio historial desde cualquier dispositivo. Cada anotación clínica queda registrada.
landing-sign-in = Iniciar sesión
landing-email = Correo electrónico
landing-password = Contraseña
landing-two-factor-help = Si usa la verificación en dos pasos, el siguiente paso le pedirá su código.
landing-forgot = ¿Olvidó su contraseña?
landing-new-here = ¿Primera vez aquí?
landing-new-here-text = Los pacientes pueden empezar enseguida. Los médicos y el resto del personal se registran y esperan la aprobación de un administrador.
landing-create-account = Crear una cuenta
