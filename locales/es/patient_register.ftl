## templates/patient_register.html

patient_register-title = Registrar un paciente
# $name: the patient's name
patient_register-done-heading = { $name } ha quedado registrado
# "Medical record number <strong>MRN</strong>."
patient_register-mrn-before = Número de historia clínica
patient_register-mrn-after = .
# $until: when the link stops working (27 Nov 2026, 21:44)
patient_register-link-intro = Entregue al paciente este enlace de un solo uso para que elija su contraseña (funciona una vez, hasta el { $until }):
patient_register-link-intro-emailed = Entregue al paciente este enlace de un solo uso para que elija su contraseña (funciona una vez, hasta el { $until }); también se le envió por correo electrónico:
patient_register-another = Registrar otro
patient_register-front-desk = Recepción
patient_register-heading = Registrar un paciente
patient_register-form-error = Corrija los campos señalados abajo.
patient_register-full-name-label = Nombre completo
patient_register-email-label = Correo electrónico
patient_register-dob-label = Fecha de nacimiento
patient_register-sex-label = Sexo
patient_register-phone-label = Teléfono (opcional)
patient_register-address-label = Dirección (opcional)
patient_register-button = Registrar
patient_register-sex-choose = Elija…
