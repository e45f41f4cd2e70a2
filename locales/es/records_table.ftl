## templates/records_table.html (a list of records, on the dashboards and the history page)

records_table-none = Todavía no hay registros.
# Before the patient's name (a link).
records_table-patient = paciente
# The doctor who wrote the record.
records_table-by = por { $name }
records_table-older = Registros anteriores →

## A record's type, wherever a page shows it (src/records/pages.rs type_key).
records_table-type-visit = Visita
records_table-type-diagnosis = Diagnóstico
records_table-type-lab_result = Resultado de laboratorio
records_table-type-imaging = Diagnóstico por imagen
records_table-type-procedure = Procedimiento
records_table-type-note = Nota
