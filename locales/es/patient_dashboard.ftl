## templates/patient_dashboard.html (and the chart drawn in src/records/chart.rs)

patient_dashboard-title = Mis registros
# $doctor: the doctor's name
patient_dashboard-emergency-heading = { $doctor } abrió sus registros en una emergencia
# "On <time>, for an hour (until <time>). The reason they gave: “…”"
patient_dashboard-emergency-on = El
patient_dashboard-emergency-for-an-hour = , durante una hora
patient_dashboard-emergency-until-before = (hasta el
patient_dashboard-emergency-until-after = )
# $reason: what the doctor typed
patient_dashboard-emergency-reason = { "." } El motivo indicado: “{ $reason }”
patient_dashboard-emergency-see-log = Ver qué consultó
patient_dashboard-emergency-care-team = Su equipo de atención
patient_dashboard-link-history = Buscar en mi historial
patient_dashboard-link-chart = Mi ficha clínica
patient_dashboard-link-appointments = Mis citas
patient_dashboard-link-care-team = Mi equipo de atención
patient_dashboard-link-access-log = Quién consultó mis registros
patient_dashboard-link-share = Compartir mis registros
patient_dashboard-link-export = Descargar mis registros (FHIR)
patient_dashboard-link-print = Imprimir mis registros
patient_dashboard-chart-heading = Registros por mes, en el último año
# The chart's title for screen readers.
patient_dashboard-chart-title = { $n ->
    [one] Registros por mes, último mes
   *[other] Registros por mes, últimos { $n } meses
}
# One bar's tooltip: $month (Jan), $year, $n records
patient_dashboard-chart-bar = { $month } { $year }: { $n }
patient_dashboard-upcoming-heading = Próximas citas
patient_dashboard-upcoming-empty = No tiene citas reservadas.
patient_dashboard-upcoming-book = Reservar una
# $name: the doctor's name
patient_dashboard-upcoming-with = con { $name }
patient_dashboard-results-heading = Últimos resultados de laboratorio
patient_dashboard-results-empty = Aún no hay resultados.
patient_dashboard-prescriptions-heading = Mis recetas
patient_dashboard-prescriptions-empty = No hay recetas.
# $drug, $mg: one drug of a prescription and its dose
patient_dashboard-prescription-item = { $drug } { $mg } mg
patient_dashboard-records-heading = Mis registros, del más reciente al más antiguo
