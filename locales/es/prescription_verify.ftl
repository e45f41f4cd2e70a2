## templates/prescription_verify.html
prescription_verify-title = Verificar una receta
prescription_verify-genuine = Auténtica (firmada por esta clínica):
prescription_verify-unchanged = Sin cambios desde que se imprimió:
prescription_verify-open = Sigue abierta:
prescription_verify-yes = sí
prescription_verify-no = no
prescription_verify-now-heading = Tal como está ahora
prescription_verify-check-with-prescriber = Consulte con el prescriptor antes de dispensar.
prescription_verify-patient = Paciente:
prescription_verify-prescriber = Prescriptor:
prescription_verify-doctor = { $name }
prescription_verify-version = versión { $version }
prescription_verify-dose-mg = { $dose } mg
prescription_verify-for-days = { $n ->
    [one] durante { $n } día
   *[other] durante { $n } días
}
prescription_verify-open-link = Abrir la receta
prescription_verify-field-token = Código del QR de la receta
prescription_verify-submit = Verificar
# El mensaje de la página cuando el formulario se envió vacío (src/prescriptions/pages.rs).
prescription_verify-empty-token = Pegue el código, o el enlace completo, del QR de la receta.
