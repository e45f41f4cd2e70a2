## templates/pharmacy.html
pharmacy-title = Farmacia
pharmacy-verify-link = Verificar el código de una receta
pharmacy-queue-heading = Por dispensar ({ $n })
pharmacy-queue-empty = No hay recetas abiertas.
pharmacy-col-issued = Emitida
pharmacy-col-patient = Paciente
pharmacy-col-items = Medicamentos
pharmacy-col-prescriber = Prescriptor
pharmacy-dose-mg = { $dose } mg
pharmacy-doctor = { $name }
pharmacy-low-heading = Existencias bajas ({ $n })
pharmacy-low-empty = Nada está en su nivel de reposición ni por debajo.
# Tras el nombre del medicamento y una coma.
pharmacy-low-item = lote { $batch }: quedan { $quantity } (nivel de reposición: { $reorder })
pharmacy-expiring-heading = Caducan en los próximos 30 días ({ $n })
pharmacy-expiring-empty = Ningún lote caduca en los próximos 30 días.
# Tras el nombre del medicamento y una coma.
pharmacy-expired-item = lote { $batch }: caducó el { $expiry } ({ $quantity } unidades)
pharmacy-expiring-item = lote { $batch }: caduca el { $expiry } ({ $quantity } unidades)
pharmacy-stock-heading = Existencias
pharmacy-stock-empty = Todavía no hay lotes.
pharmacy-col-drug = Medicamento
pharmacy-col-batch = Lote
pharmacy-col-quantity = Cantidad
pharmacy-col-expiry = Caducidad
pharmacy-col-reorder = Nivel de reposición
pharmacy-form-heading = Recepción de un lote
pharmacy-form-errors = Corrija los campos marcados abajo.
pharmacy-field-drug = Medicamento
pharmacy-field-batch = Número de lote
pharmacy-field-quantity = Cantidad
pharmacy-field-expiry = Caducidad
pharmacy-field-reorder = Nivel de reposición (se muestra como bajo en este nivel o por debajo)
pharmacy-add-button = Añadir a las existencias
