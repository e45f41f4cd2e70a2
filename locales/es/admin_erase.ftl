## templates/admin_erase.html
admin_erase-title = Borrar a un paciente
# Lo hecho (src/erasure/pages.rs): $records y $files son los dos mensajes de abajo.
admin_erase-done = Se ha borrado a { $name }: { $records }, { $files } y el borrado es la entrada { $entry } del registro sellado.
admin_erase-done-records = { $n ->
    [one] ya no se puede leer { $n } registro
   *[other] ya no se pueden leer { $n } registros
}
admin_erase-done-files = { $n ->
    [one] se eliminó { $n } archivo
   *[other] se eliminaron { $n } archivos
}
admin_erase-back-to-users = Volver a los usuarios
# Antes del nombre del paciente (en negrita).
admin_erase-help-before = El borrado no se puede deshacer. Destruye la clave de cada registro, modificación y archivo de
# Después del nombre del paciente.
admin_erase-help-after = ({ $email }), elimina sus archivos, quita de la cuenta su nombre, correo electrónico y contraseña, y la desactiva. El registro sellado conserva sus entradas (solo identificadores y hashes) y registra el borrado, de modo que sigue verificándose. La auditoría conserva quién accedió a los registros.
admin_erase-errors = Corrija los campos marcados abajo.
admin_erase-field-reason = Motivo (la solicitud del paciente y su referencia)
admin_erase-reason-help = Al menos { $n } caracteres.
admin_erase-field-confirm = Escriba el correo electrónico del paciente para confirmar
admin_erase-submit = Borrar a este paciente definitivamente
admin_erase-cancel = Cancelar
