## templates/print_records.html

print_records-title = Mis registros para imprimir
# "Print" (in bold, the browser's command) comes between these two parts.
print_records-intro-before = Todo lo que sigue queda en papel cuando imprime esta página: use la función
print_records-intro-print = Imprimir
print_records-intro-after = de su navegador (Ctrl+P, o ⌘P en un Mac) y elija «Guardar como PDF» para conservar un archivo. Cada registro indica su entrada en el registro sellado de la clínica, para que otra clínica pueda comprobar que no fue alterado.
print_records-back = Volver a mis registros
print_records-as-of = registros clínicos a fecha de { $printed }
print_records-count = { $n ->
    [one] { $n } registro
   *[other] { $n } registros
}
print_records-allergies = Alergias
print_records-problems = Problemas de salud
print_records-prescriptions = Recetas
print_records-allergies-none = Ninguna registrada.
print_records-problems-none = Ninguno registrado.
print_records-prescriptions-none = Ninguna.
print_records-allergy-recorded = registrada el { $day } por { $name }
print_records-problem-recorded = registrado el { $day } por { $name }
# One drug of a prescription, then how long: "Amoxicillin 500 mg, 3 times a day for 7 days".
print_records-rx-item = { $drug } { $dose } mg, { $times }
print_records-rx-days = { $n ->
    [one] durante { $n } día
   *[other] durante { $n } días
}
print_records-written = escrito por { $name } el { $when }
print_records-version-amended = versión { $version } (modificada)
print_records-ledger-entry = entrada { $entry } del registro sellado
print_records-verification-code = código de verificación
# The names of a record's files come between these two parts.
print_records-files-before = Archivos:
print_records-files-after = (en la descarga FHIR)
print_records-foot = impreso el { $printed }. Cada anotación clínica es una entrada del registro sellado y firmado de la clínica; la prueba de un registro (desde su página) muestra que no fue alterado.
