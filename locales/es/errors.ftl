## Lo que dicen las páginas de error (src/http/render.rs): un título según el estado y el motivo.

error-title-400 = No se pudo leer esa petición
error-title-401 = Inicie sesión
error-title-403 = No puede abrir esta página
error-title-404 = Página no encontrada
error-title-405 = Eso no se puede hacer aquí
error-title-409 = Eso cambió mientras tanto
error-title-413 = Es demasiado grande
error-title-415 = No se acepta ese tipo de archivo
error-title-422 = Parte de lo enviado no es válido
error-title-423 = La cuenta está en pausa
error-title-429 = Demasiados intentos
error-title-503 = careledger está ocupado o no disponible
error-title-500 = Algo falló por nuestra parte
error-title-other = Eso no funcionó

error-opaque = Algo falló por nuestra parte. El identificador de la petición que aparece abajo ayuda a su administrador a averiguar qué.
# $fields: cada campo y el motivo, "campo: motivo; campo: motivo"
error-fields = { $fields }
error-validation = Algunos campos no son válidos.
error-malformed = No se pudo leer el cuerpo de la petición: { $why }
error-too-large = El cuerpo de la petición es mayor de lo que admite esta página.
error-email-taken = Ya existe una cuenta con este correo electrónico.
error-invalid-credentials = El correo electrónico o la contraseña no son correctos.
error-pending-approval = Esta cuenta de personal espera la aprobación de un administrador.
error-account-disabled = Un administrador ha desactivado esta cuenta.
error-account-locked = Demasiados intentos fallidos seguidos: en pausa hasta { $until }. Un administrador puede abrirla antes.
error-rate-limited = { $n ->
    [one] Demasiadas peticiones; inténtelo de nuevo dentro de { $n } segundo.
   *[other] Demasiadas peticiones; inténtelo de nuevo dentro de { $n } segundos.
}
error-sign-in-again = Vuelva a iniciar sesión.
error-mfa-required = Esta cuenta usa verificación en dos pasos: escriba el código de su aplicación.
error-invalid-code = El código de un solo uso es incorrecto o ya se usó.
error-csrf = El formulario está desactualizado o no lo envió este sitio. Recargue la página e inténtelo de nuevo.
error-forbidden = No puede hacer esto: { $why }.
error-not-found = Aquí no hay nada que usted pueda ver.
error-gone = Los datos de este paciente se borraron a petición suya; ya no existen.
error-safety-warnings = { $n ->
    [one] La receta tiene un aviso de seguridad que debe leerse antes de emitirla.
   *[other] La receta tiene { $n } avisos de seguridad que deben leerse antes de emitirla.
}
error-database-unavailable = La base de datos no está disponible; inténtelo de nuevo en breve.
error-not-sealed-yet = La entrada se está sellando en un bloque firmado; inténtelo de nuevo en un momento.
error-internal = Algo falló por nuestra parte.
