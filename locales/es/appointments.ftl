## templates/appointments.html

appointments-title = Citas
appointments-heading-desk = Recepción
appointments-heading-patient = Mis próximas citas
appointments-heading-doctor = Mi día
appointments-empty-patient = No tiene citas próximas.
appointments-empty-day = No hay citas este día.
appointments-col-when = Cuándo
appointments-col-doctor = Médico
appointments-col-patient = Paciente
appointments-col-with = Con
appointments-col-room = Sala
appointments-col-why = Motivo
appointments-col-status = Estado
appointments-col-next-step = Siguiente paso
# $name: a doctor's name
appointments-doctor-name = { $name }
# The next steps of an appointment (buttons).
appointments-step-check-in = Registrar llegada
appointments-step-with-doctor = Con el médico
appointments-step-done = Finalizar
appointments-step-cancel = Cancelar
appointments-book-heading = Reservar una cita
appointments-form-error = Corrija los campos señalados abajo.
appointments-doctor-label = Médico
appointments-patient-label = Paciente
appointments-day-label = Día
# $zone: the time zone (Europe/Madrid)
appointments-start-label = Inicio (hora de { $zone }, cada 5 minutos)
appointments-minutes-label = Duración (minutos)
appointments-room-label = Sala (opcional)
appointments-reason-label = Motivo (opcional)
appointments-book-button = Reservar
