## templates/chart.html

chart-title = Ficha clínica
chart-print-head = ficha clínica de { $name } · impresa el { $printed }
chart-heading-mine = Mi ficha clínica
chart-heading-of = Ficha clínica de { $name }
chart-link-records = Registros
chart-link-care-team = Equipo de atención
chart-link-prescribe = Recetar
chart-record-number = Número de historia
chart-born = nacimiento
chart-sex-female = mujer
chart-sex-male = hombre
chart-sex-other = otro
chart-sex-unknown = desconocido
# A doctor's name, as in "Dr Ada Lovelace".
chart-doctor = { $name }

chart-records-heading = Registros recientes
chart-records-none = Todavía no hay registros.
chart-records-all = Todos los registros

chart-appointments-heading = Próximas citas
chart-appointments-help = Solo las citas que usted puede ver: las de un médico con este paciente (la recepción ve las de todos los médicos).
chart-appointments-none = No hay citas reservadas.
# After the appointment's time.
chart-appointment-with = con { $name }
chart-appointment-with-room = con { $name }, { $room }

chart-allergies-heading = Alergias
chart-allergies-none = No hay alergias conocidas registradas.
chart-col-substance = Sustancia
chart-col-reaction = Reacción
chart-col-severity = Gravedad
chart-col-recorded = Fecha de registro
# After the time something was recorded.
chart-recorded-by = por { $name }
chart-allergy-form-heading = Registrar una alergia
chart-form-error = Corrija los campos marcados abajo.
chart-substance-label = Sustancia (un fármaco, un grupo como las penicilinas o los AINE, o cualquier otra cosa)
chart-reaction-label = Reacción (opcional)
chart-severity-unknown = Desconocida
chart-allergy-submit = Registrar alergia

chart-problems-heading = Problemas de salud
chart-problems-none = No hay problemas de salud en la lista.
chart-col-problem = Problema de salud
chart-col-code = Código
chart-col-since = Desde
chart-col-status = Estado
chart-problem-form-heading = Añadir un problema de salud
chart-problem-code-label = Código (CIE-10 o SNOMED CT, opcional)
chart-onset-label = Desde (opcional)
chart-problem-submit = Añadir problema de salud

chart-lab-heading = Pruebas de laboratorio
chart-lab-none = No se han solicitado pruebas de laboratorio.
chart-col-ordered = Solicitada
chart-col-test = Prueba
chart-col-result = Resultado
chart-col-range = Intervalo
chart-lab-waiting = pendiente
chart-lab-form-heading = Solicitar una prueba
chart-lab-code-label = Código (LOINC o el del laboratorio)
chart-lab-notes-label = Notas para el laboratorio
chart-lab-submit = Solicitar

chart-rx-heading = Recetas
chart-rx-none = No hay recetas.
chart-col-issued = Emitida
chart-col-items = Medicamentos
chart-col-by = Por
# One drug of a prescription: "Amoxicillin 500 mg, 3 times a day".
chart-rx-item = { $drug } { $dose } mg, { $times }
chart-rx-warnings = { $n ->
    [one] { $n } advertencia
   *[other] { $n } advertencias
}
