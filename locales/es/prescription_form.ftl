## templates/prescription_form.html
prescription_form-title = Nueva receta
prescription_form-heading-for = Nueva receta para { $name }
prescription_form-intro = Cada medicamento se comprueba frente a las demás recetas del paciente, sus alergias y la dosis habitual en adultos, con la base de conocimientos que esta clínica usa sin conexión.
prescription_form-back-to-chart = Volver a la ficha clínica
prescription_form-errors = Corrija los campos marcados abajo.
prescription_form-warnings-heading = Advertencias de seguridad
prescription_form-warnings-help = Modifique la receta, o marque la casilla de abajo e indique por qué debe emitirse de todos modos.
prescription_form-drug-n = Medicamento { $n }
prescription_form-drug-n-optional = Medicamento { $n } (opcional)
prescription_form-field-drug = Medicamento (nombre genérico)
prescription_form-field-dose = Dosis (mg por toma)
prescription_form-field-frequency = Veces al día
prescription_form-field-duration = Durante cuántos días
prescription_form-field-instructions = Indicaciones (opcional)
prescription_form-acknowledge = He leído las advertencias anteriores y prescribo de todos modos
prescription_form-field-reason = Motivo (se guarda con la receta)
prescription_form-submit = Prescribir
