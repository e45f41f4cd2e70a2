## templates/lab.html

lab-title = Laboratorio
lab-heading = Laboratorio
# $n: how many orders wait for a result
lab-open-heading = Solicitudes abiertas ({ $n })
lab-open-empty = No hay solicitudes abiertas.
# $name: the doctor's name
lab-ordered-by = solicitado por { $name }
lab-value-label = Valor
lab-unit-label = Unidad
lab-range-label = Intervalo de referencia (mín-máx, <x o >x)
lab-flag-label = Indicador
lab-flag-from-range = Según el intervalo
lab-post-button = Publicar resultado
lab-recent-heading = Resultados recientes
lab-recent-empty = Ninguno todavía.
# $test: the test's name, $patient: the patient's name
lab-recent-test-for = { $test } de { $patient }
# A result's flag (also on the dashboards).
lab-flag-low = bajo
lab-flag-high = alto
lab-flag-abnormal = anormal
lab-flag-normal = normal
