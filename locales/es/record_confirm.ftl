## templates/record_confirm.html

record_confirm-title = Confirmar el paciente
record_confirm-heading = ¿Es este el paciente correcto?
# $type is the record's type (Visit, Diagnosis…).
record_confirm-intro = El registro clínico «{ $title }» ({ $type }) se escribirá para:
record_confirm-name = Nombre
record_confirm-email = Correo electrónico
record_confirm-patient-id = Id. del paciente
record_confirm-help = Los registros no se pueden cambiar una vez escritos. Si este no es el paciente que buscaba, vuelva atrás y compruebe el correo electrónico.
record_confirm-save = Guardar el registro para { $name }
record_confirm-change = Cambiar el paciente o el registro
