## templates/patients.html

patients-title = Pacientes
patients-heading = Buscar un paciente
patients-q-label = Nombre, fecha de nacimiento (AAAA-MM-DD) o NHC
patients-search-button = Buscar
patients-register-link = Registrar un paciente
# $n: how many patients matched
patients-found = { $n ->
    [one] { $n } encontrado
   *[other] { $n } encontrados
}
patients-none = Ningún paciente coincide. Pruebe con parte del nombre o con la fecha de nacimiento.
patients-col-name = Nombre
patients-col-born = Fecha de nacimiento
patients-label-born = Nacimiento
patients-col-sex = Sexo
# Medical record number
patients-col-mrn = NHC
patients-chart-note = La ficha clínica se abre para los pacientes a su cargo (de cuyo equipo de atención forma parte); para los demás, la respuesta es "no encontrado".
# A patient's sex (also on the registration form).
patients-sex-female = femenino
patients-sex-male = masculino
patients-sex-other = otro
patients-sex-unknown = desconocido
