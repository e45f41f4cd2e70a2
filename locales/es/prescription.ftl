## templates/prescription.html
prescription-title = Receta
prescription-printed = receta · impresa el { $when }
prescription-patient = Paciente:
prescription-prescriber = Prescriptor:
prescription-doctor = { $name }
prescription-issued = Emitida:
prescription-status = Estado:
prescription-version = versión { $version }
# Seguido de la hora.
prescription-editable-until = el prescriptor puede modificarla hasta el
prescription-col-drug = Medicamento
prescription-col-dose = Dosis
prescription-col-how-often = Frecuencia
prescription-col-for = Duración
prescription-col-instructions = Indicaciones
prescription-dose-mg = { $dose } mg
prescription-days = { $n ->
    [one] { $n } día
   *[other] { $n } días
}
prescription-alerts-heading = Novedades desde que se emitió
prescription-alert-allergy = alergia
prescription-check-with-prescriber = Consulte con el prescriptor antes de dispensar.
prescription-warnings-heading = Advertencias de seguridad
prescription-acknowledged = Aceptado por el prescriptor:
prescription-qr-caption = Farmacéuticos: escaneen el código para verificar que esta receta es auténtica, no ha cambiado y sigue abierta.
prescription-signed = Firmada por el servidor de esta clínica (Ed25519) y escrita en su registro sellado (entrada { $entry }).
prescription-verify-now = Verificar ahora
prescription-dispense-heading = Dispensar
prescription-no-usable-batch = No hay en existencias ningún lote utilizable de { $drug }.
prescription-batch = Lote
prescription-batch-option = { $batch } · quedan { $quantity } · caduca el { $expiry }
prescription-units = Unidades
prescription-dispense-button = Dispensar
prescription-changes-heading = Cambios
# Seguido de la hora de la versión.
prescription-change-version = Versión { $version },
prescription-for-days = { $n ->
    [one] durante { $n } día
   *[other] durante { $n } días
}
