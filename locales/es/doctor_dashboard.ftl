## templates/doctor_dashboard.html

doctor_dashboard-title = Panel del médico
# $name: the doctor's name
doctor_dashboard-doctor-name = { $name }
doctor_dashboard-pending = Su cuenta está pendiente de la aprobación de un administrador. Hasta entonces no puede escribir ni leer registros.
doctor_dashboard-write-record = Escribir un registro
doctor_dashboard-search-records = Buscar registros
doctor_dashboard-my-day = Mi día
doctor_dashboard-find-patient = Buscar un paciente
doctor_dashboard-emergency-access = Acceso de emergencia
# $n: how many appointments today
doctor_dashboard-today-heading = Hoy ({ $n })
doctor_dashboard-today-empty = No hay citas hoy.
doctor_dashboard-results-heading = Resultados
# $n: tests ordered that have no result yet
doctor_dashboard-results-open = { $n ->
    [one] ({ $n } pendiente en el laboratorio)
   *[other] ({ $n } pendientes en el laboratorio)
}
doctor_dashboard-results-empty = Aún no hay resultados de los análisis que solicitó.
doctor_dashboard-recent-heading = Pacientes recientes
doctor_dashboard-recent-empty = Ninguno todavía.
doctor_dashboard-records-heading = Registros que usted escribió
