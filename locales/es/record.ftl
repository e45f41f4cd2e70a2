## templates/record.html

record-print-head = registro clínico · impreso el { $printed }
record-type = Tipo
record-patient = Paciente
# Links beside the patient's name.
record-patient-chart = ficha clínica
record-patient-care-team = equipo de atención
record-written-by = Escrito por
record-doctor = { $name }
record-written-at = Escrito el
record-version = Versión
record-id = Id. del registro
record-notes = Notas

record-files = Archivos
record-file-size = { $size } bytes
# Before the file's SHA-256 fingerprint.
record-file-hash = SHA-256

record-amend-heading = Modificar
record-amend-help = Una modificación es una versión nueva: el registro tal como estaba se conserva, y ambos están en el registro sellado.
record-form-error = Corrija los campos marcados abajo.
record-amend-title = Título
record-amend-reason = Por qué lo modifica (obligatorio; se guarda con la versión)
record-amend-submit = Modificar
record-attach-heading = Adjuntar un archivo
record-attach-file = Archivo (PDF, PNG, JPEG o texto)
record-attach-submit = Adjuntar

record-proof-heading = Prueba de que este registro no fue alterado
# The entry's number (in bold) comes between these two parts; $size is how many entries the block covers.
record-proof-entry-before = Esta versión del registro es la entrada
record-proof-entry-after = del registro sellado de la clínica, donde queda cada anotación clínica y al que solo se pueden añadir entradas. Está sellada en un bloque firmado por el servidor, que abarca las primeras { $size } entradas. Si alguien cambiara o eliminara este registro, su entrada ya no coincidiría con el bloque firmado.
# The verification code (in bold) comes between these two parts.
record-proof-code-before = Su código de verificación es
record-proof-code-after = (el comienzo de la huella de la entrada, impreso en las copias en papel).
record-proof-download = Descargar la prueba
record-howto-summary = Cómo comprobarlo usted mismo
# One paragraph, cut around code names that stay as they are: leaf_hash, audit_path, the block's
# address, a link (record-howto-key-link), the block's and the root's hashes.
record-howto-fingerprint = El archivo de la prueba contiene la entrada, su huella (
record-howto-path = ) y los hashes que llevan de ella a la raíz del bloque (
record-howto-signature = ), como describe el RFC 9162 (Certificate Transparency 2.0). Recorra el camino con hashes hasta la raíz y luego compruebe la firma del bloque (
record-howto-key = ) con la clave pública de la clínica (
record-howto-key-link = clave pública
record-howto-block = ). Bloque
record-howto-root = , raíz
record-howto-end = { "." }
record-versions = Versiones
record-version-entry = entrada n.º { $n }
record-version-amended = modificada: { $reason }

## The foot of the printed page.
record-foot-written = escrito por { $name } el { $when }
record-foot-version = versión { $version }
record-foot-entry = entrada { $entry } del registro sellado, bloque { $block }
record-foot-code = código de verificación
