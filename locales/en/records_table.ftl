## templates/records_table.html (a list of records, on the dashboards and the history page)

records_table-none = No records yet.
# Before the patient's name (a link).
records_table-patient = patient
# The doctor who wrote the record.
records_table-by = by { $name }
records_table-older = Older records →

## A record's type, wherever a page shows it (src/records/pages.rs type_key).
records_table-type-visit = Visit
records_table-type-diagnosis = Diagnosis
records_table-type-lab_result = Lab result
records_table-type-imaging = Imaging
records_table-type-procedure = Procedure
records_table-type-note = Note
