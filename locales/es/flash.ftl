## What a page says once after an action (English sentences in the handlers; looked up by their text).

flash-prescription-issued-signed-in-the-ledger = Receta emitida: firmada, en el registro sellado y lista para la farmacia.
flash-dispensed-the-stock-is-taken-and = Dispensada: se descontaron las existencias y la receta quedó cerrada.
flash-this-prescription-was-dispensed-already-do = Esta receta ya se dispensó: no la dispense de nuevo.
flash-a-batch-chosen-is-past-its = Uno de los lotes elegidos está caducado: elija otro.
flash-a-batch-chosen-holds-fewer-units = Uno de los lotes elegidos tiene menos unidades de las pedidas: elija otro o tome menos.
flash-choose-a-batch-of-each-drug = Elija un lote de cada medicamento y una cantidad de al menos 1.
flash-record-saved-it-is-in-the = Registro guardado: está en el registro sellado y el paciente puede leerlo.
flash-amended-the-new-version-is-in = Modificado: la nueva versión está en el registro sellado; las anteriores siguen debajo.
flash-the-file-is-attached-sealed-and = El archivo está adjunto (cifrado y en el registro sellado).
flash-the-doctor-is-on-the-care = El médico forma parte ahora del equipo de atención.
flash-that-doctor-is-on-the-care = Ese médico ya está en el equipo de atención.
flash-the-doctor-is-off-the-care = El médico ya no está en el equipo de atención: deja de leer este historial.
flash-the-result-is-posted-the-patient = El resultado está publicado: el paciente y sus médicos lo ven.
flash-enter-a-value-and-a-unit = Escriba un valor (y una unidad); la marca debe ser bajo, alto, anormal o normal.
flash-that-order-has-its-result-already = Ese pedido ya tiene su resultado.
flash-booked = Cita reservada.
flash-updated = Cita actualizada.
flash-that-change-clashes-with-another-appointment = Ese cambio coincide con otra cita del médico, del paciente o de la sala.
flash-that-step-is-not-possible-from = Ese paso no es posible desde el punto en que está la cita.
flash-you-are-signed-out = Ha cerrado la sesión.
flash-that-session-is-signed-out = Esa sesión está cerrada.
flash-times-are-now-shown-in-the = Las horas se muestran ahora en la zona que eligió.
flash-the-look-is-saved-for-this = El aspecto se ha guardado para esta cuenta.
flash-the-batch-is-on-the-shelf = Lote añadido a las existencias.
flash-the-link-is-revoked-it-opens = El enlace está revocado: ya no abre nada.
flash-the-allergy-is-recorded-new-prescriptions = La alergia está registrada: las nuevas recetas se comprueban contra ella.
flash-the-problem-is-on-the-list = El problema de salud está en la lista.
flash-the-test-is-ordered-the-lab = La prueba está pedida: el laboratorio ya la ve.
flash-to-order-a-test-give-its = Para pedir una prueba, indique su código y su nombre.
flash-language-saved = Idioma guardado.

# Mensajes con argumentos, hechos en los controladores.
flash-password-changed = { $n ->
    [0] Se ha cambiado su contraseña.
    [one] Se ha cambiado su contraseña, y su otra sesión está cerrada.
   *[other] Se ha cambiado su contraseña, y sus otras { $n } sesiones están cerradas.
}
flash-file-not-attached = El archivo no se adjuntó: { $why }.
# $name: de quién es la cuenta; $said: qué le pasó.
flash-user-named = { $name }: { $said }
flash-user-approved = aprobada; la cuenta ya puede usar careledger.
flash-user-rejected = rechazada; la cuenta no puede iniciar sesión.
flash-user-deactivated = desactivada; la cuenta tiene cerradas todas sus sesiones y no puede iniciar sesión.
flash-user-reactivated = reactivada; la cuenta puede volver a iniciar sesión.
flash-user-unlocked = desbloqueada; la cuenta puede volver a iniciar sesión desde cualquier dispositivo.
flash-user-role-changed = el rol ha cambiado. Un cambio que quita acceso también cierra todas las sesiones de la persona.
