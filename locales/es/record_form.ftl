## templates/record_form.html

record_form-title = Escribir un registro clínico
record_form-help = Los registros no se pueden cambiar una vez escritos.
record_form-error = Corrija los campos marcados abajo.
record_form-patient-email = Correo electrónico del paciente
# The record's title field.
record_form-record-title = Título
record_form-type = Tipo
record_form-notes = Notas
record_form-submit = Guardar registro
