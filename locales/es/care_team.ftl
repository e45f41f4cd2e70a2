## templates/care_team.html

care_team-title = Equipo de atención
care_team-heading-mine = Mi equipo de atención
# $name: the patient
care_team-heading-of = Equipo de atención de { $name }
care_team-my-records = Mis registros
care_team-intro-patient = Los médicos de este equipo leen todo su historial: cada registro, archivo y prueba.
care_team-intro-staff = Los médicos de este equipo leen todo el historial del paciente: cada registro, archivo y prueba.
care_team-clinic-wide = Esta clínica también permite que todo médico activo lea el historial de cualquier paciente.
care_team-empty = Ningún médico forma parte de este equipo de atención.
care_team-col-doctor = Médico
care_team-col-how = Cómo
care_team-col-added-by = Añadido por
care_team-col-since = Desde
care_team-col-remove = Quitar
# $name: a doctor's name
care_team-doctor-name = { $name }
care_team-remove-button = Quitar a { $name }
# How a doctor joined the care team.
care_team-how-record = escribió un registro
care_team-how-referral = derivado
care_team-how-patient = añadido por el paciente
care_team-how-appointment = cita
care_team-how-other = otro
# $day: a date (27 nov 2026); the consent ends as the next day begins
care_team-until-end-of = hasta el final del { $day }
# $when: a date and time
care_team-until = hasta el { $when }
care_team-all-on-team = Todos los médicos de la clínica forman parte de su equipo de atención.
care_team-no-one-to-refer = No hay otro médico al que derivar a este paciente (los médicos que el paciente quitó de su equipo solo pueden volver a añadirse por decisión del paciente).
care_team-add-heading = Añadir un médico
care_team-refer-heading = Derivar a este paciente a un colega
care_team-form-error = Corrija los campos señalados abajo.
care_team-doctor-label = Médico
care_team-reason-label = Motivo de la derivación
care_team-until-label = Hasta (opcional; sin fecha, hasta que usted lo quite)
care_team-add-button = Añadir a mi equipo de atención
care_team-refer-button = Derivar
