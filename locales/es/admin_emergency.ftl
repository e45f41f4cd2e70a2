## templates/admin_emergency.html
admin_emergency-title = Informe de accesos de emergencia
admin_emergency-intro = Cada vez que un médico abrió el historial de un paciente en una emergencia, de la más reciente a la más antigua, con el motivo que indicó y cuántos accesos hizo mientras estuvo abierto.
admin_emergency-in-audit = En la auditoría
admin_emergency-back-to-users = Volver a los usuarios
admin_emergency-empty = No se ha usado ningún acceso de emergencia.
admin_emergency-col-opened = Abierto
admin_emergency-col-doctor = Médico
admin_emergency-col-patient = Paciente
admin_emergency-col-reason = Motivo
admin_emergency-col-until = Hasta
admin_emergency-col-accesses = Accesos
admin_emergency-open-now = (abierto ahora)
admin_emergency-older = Anteriores →
