## templates/pharmacy.html
pharmacy-title = Pharmacy
pharmacy-verify-link = Verify a prescription's code
pharmacy-queue-heading = To dispense ({ $n })
pharmacy-queue-empty = No open prescriptions.
pharmacy-col-issued = Issued
pharmacy-col-patient = Patient
pharmacy-col-items = Items
pharmacy-col-prescriber = Prescriber
pharmacy-dose-mg = { $dose } mg
pharmacy-doctor = Dr { $name }
pharmacy-low-heading = Low stock ({ $n })
pharmacy-low-empty = Nothing at or below its reorder level.
# After the drug's name and a comma.
pharmacy-low-item = batch { $batch }: { $quantity } left (reorder at { $reorder })
pharmacy-expiring-heading = Expiring within 30 days ({ $n })
pharmacy-expiring-empty = No batch expires within 30 days.
# After the drug's name and a comma.
pharmacy-expired-item = batch { $batch }: expired { $expiry } ({ $quantity } units)
pharmacy-expiring-item = batch { $batch }: expires { $expiry } ({ $quantity } units)
pharmacy-stock-heading = Stock
pharmacy-stock-empty = No batches yet.
pharmacy-col-drug = Drug
pharmacy-col-batch = Batch
pharmacy-col-quantity = Quantity
pharmacy-col-expiry = Expiry
pharmacy-col-reorder = Reorder at
pharmacy-form-heading = A batch received
pharmacy-form-errors = Please correct the fields marked below.
pharmacy-field-drug = Drug
pharmacy-field-batch = Batch number
pharmacy-field-quantity = Quantity
pharmacy-field-expiry = Expiry
pharmacy-field-reorder = Reorder level (listed as low at or below)
pharmacy-add-button = Add to stock
