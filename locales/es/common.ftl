## Palabras que comparten todas las páginas: roles, las páginas de la cabecera, horas y números.

role-patient = Paciente
role-doctor = Médico
role-pharmacist = Farmacéutico
role-lab = Personal de laboratorio
role-receptionist = Recepción
role-admin = Administrador

nav-my-records = Mis registros
nav-history = Historial
nav-who-looked = Quién ha consultado
nav-share = Compartir
nav-dashboard = Panel
nav-patients = Pacientes
nav-appointments = Citas
nav-users = Usuarios
nav-audit-trail = Auditoría
nav-ledger = Registro sellado
nav-emergency-access = Acceso de emergencia
nav-pharmacy = Farmacia
nav-verify-prescription = Verificar una receta
nav-front-desk = Recepción
nav-find-patient = Buscar un paciente
nav-register-patient = Registrar un paciente
nav-lab-orders = Solicitudes de laboratorio

thousands-separator = .

# Un dispositivo con sesión: $browser en $system.
device-on = { $browser } en { $system }

nav-health = Estado
decimal-separator = ,
