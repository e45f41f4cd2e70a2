## templates/emergency_access.html
emergency_access-title = Acceso de emergencia
emergency_access-help = Úselo solo cuando un paciente que no está a su cargo le necesite ahora. Le abre todo el historial del paciente durante { $minutes } minutos. El paciente verá que lo hizo y por qué, y también los administradores de la clínica, junto con cada registro que abra.
# Antes del enlace al historial del paciente.
emergency_access-in-care = Este paciente ya está a su cargo: no se abrió nada.
emergency_access-in-care-link = Abrir su historial
# Justo después del enlace (sin espacio delante).
emergency_access-in-care-after = { "." }
emergency_access-errors = Corrija los campos marcados abajo.
emergency_access-field-patient = Correo electrónico o id del paciente
emergency_access-field-reason = ¿Cuál es la emergencia?
emergency_access-reason-help = Al menos { $n } caracteres; el paciente lo leerá.
emergency_access-submit = Abrir el historial durante { $minutes } minutos
emergency_access-cancel = Cancelar
