## templates/base.html
base-skip = Ir al contenido
base-main-nav = Principal
base-account = Cuenta
base-sign-out = Cerrar sesión
base-sign-in = Iniciar sesión
base-register = Registrarse
base-footer = careledger · cada anotación clínica queda registrada · horas en { $zone }
