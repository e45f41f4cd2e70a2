## templates/access_log.html
access_log-title = Quién ha consultado mis registros
access_log-intro = Todas las personas, aparte de usted, que abrieron, listaron o modificaron sus registros, de la más reciente a la más antigua. Cada acceso queda registrado, y nadie puede modificar ni eliminar una entrada sin que se note.
access_log-empty = Nadie más ha accedido a sus registros.
access_log-col-when = Cuándo
access_log-col-who = Quién
access_log-col-what = Qué
access_log-older = Anteriores →
access_log-back = Volver a mis registros
# Quién, cuando el acceso vino de alguien sin sesión iniciada (src/audit/pages.rs).
access_log-who-not-signed-in = Alguien sin sesión iniciada
# Tras la acción, cuando el intento no llegó a hacerse.
access_log-outcome-denied = este intento fue denegado: no se mostró nada
access_log-outcome-not-found = este intento no encontró nada
access_log-outcome-conflict = este intento no modificó ni abrió nada
access_log-outcome-other = este intento no se completó
# Qué se hizo, en palabras del paciente.
access_log-did-record-read = Abrió uno de sus registros
access_log-did-record-search = Vio sus registros en una lista o búsqueda
access_log-did-history-read = Leyó su historial
access_log-did-record-versions = Leyó las versiones anteriores de un registro
access_log-did-record-proof = Comprobó la prueba de un registro
access_log-did-record-create = Escribió un registro
access_log-did-record-amend = Modificó un registro
access_log-did-file-attach = Adjuntó un archivo
access_log-did-file-list = Listó los archivos de un registro
access_log-did-file-download = Abrió un archivo
access_log-did-care_team-read = Consultó su equipo de atención
access_log-did-care_team-add = Añadió un médico a su equipo de atención
access_log-did-care_team-remove = Quitó un médico de su equipo de atención
access_log-did-emergency_access-open = Abrió sus registros en una emergencia
access_log-did-share-view = Abrió un enlace que usted compartió
access_log-did-share-revoke = Intentó revocar un enlace que usted compartió
