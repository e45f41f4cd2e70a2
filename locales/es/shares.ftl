## templates/shares.html (and the expiries of src/shares/pages.rs)

shares-title = Compartir mis registros
shares-my-records = Mis registros
shares-who-looked = Quién consultó mis registros
shares-explain = Un enlace para compartir permite que cualquier persona que lo tenga lea los registros que usted elija, sin iniciar sesión, hasta que caduque (como máximo siete días) o usted lo revoque. El propio enlace es la única llave: entréguelo solo a quien deba leer los registros y revóquelo cuando haya terminado. Cada vez que se abre, queda anotado en la página
shares-explain-link = Quién consultó mis registros

shares-new-link = Su nuevo enlace
shares-copy-now = Cópielo ahora: es la única vez que careledger lo muestra.
shares-works-until = Funciona hasta el
shares-shows-all = y muestra todo su historial, incluidos los registros escritos después de hoy
shares-shows-records = { $n ->
    [one] y muestra { $n } registro
   *[other] y muestra { $n } registros
}
shares-link = Enlace
shares-qr-label = Código QR del enlace

shares-my-links = Mis enlaces
shares-none = No ha compartido ningún registro.
shares-col-made = Creado
shares-col-shows = Muestra
shares-col-until = Hasta
shares-col-status = Estado
shares-col-opened = Abierto
shares-revoke = Revocar
shares-whole-history = Todo el historial
shares-records-count = { $n ->
    [one] { $n } registro
   *[other] { $n } registros
}
shares-opened-times = { $n ->
    [one] { $n } vez
   *[other] { $n } veces
}

shares-make-heading = Crear un enlace
shares-correct-fields = Corrija los campos marcados abajo.
shares-scope-legend = Qué muestra el enlace
shares-scope-records = Solo los registros que marque abajo
shares-scope-all = Todo mi historial, tal como esté cada vez que se abra el enlace: los registros escritos después de hoy se incluyen mientras el enlace funcione
shares-records-legend = Registros
shares-no-records = Aún no hay registros.
shares-doctor = { $name }
shares-works-for = Funciona durante
shares-expiry-1-hour = 1 hora
shares-expiry-1-day = 1 día
shares-expiry-3-days = 3 días
shares-expiry-7-days = 7 días
shares-make-button = Crear el enlace
