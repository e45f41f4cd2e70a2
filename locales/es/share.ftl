## templates/share.html ($name: the patient who shared the records)

share-title = Registros compartidos
share-heading = Registros de { $name }
share-shared-by = Compartidos por { $name } a través de careledger, solo para lectura, hasta el
share-shows-all = Este enlace muestra todo su historial tal como está ahora.
share-shows-chosen = Este enlace muestra los registros que eligió.
share-recorded = Cada apertura de esta página queda registrada, y { $name } puede ver cuándo se abrió.
share-truncated = { $n ->
    [one] Solo se muestra el registro más reciente.
   *[other] Solo se muestran los { $n } registros más recientes.
}
share-no-records = Aún no hay registros.
share-type = Tipo
share-written-by = Escrito por
share-doctor = { $name }
share-written-at = Escrito el
share-version = Versión
share-version-amended = { $version } (modificado)
share-notes = Notas
share-files = Archivos
share-files-help = Adjuntos a este registro (no se pueden descargar mediante este enlace):
share-bytes = { $size } bytes
