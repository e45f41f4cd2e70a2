## templates/history.html

history-title = Historial
# The filter by person: a doctor filters by patient, a patient by doctor.
history-patient = Paciente
history-doctor = Médico
# The empty choice of a filter.
history-any = Cualquiera
history-from = Desde
history-to = Hasta
history-type = Tipo
history-text = Texto
history-search = Buscar
history-clear = Borrar
history-results = Resultados
history-correct-search = Corrija la búsqueda de arriba para ver resultados.
history-no-match = Ningún registro coincide con esta búsqueda.
