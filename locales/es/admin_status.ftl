## templates/admin_status.html: la página de estado para administradores.

admin_status-title = Estado
admin_status-measured = Medido { $when }.
admin_status-database = Base de datos
admin_status-database-up = Responde ({ $ms } ms)
admin_status-database-down = No responde
admin_status-ledger = Registro sellado
admin_status-ledger-entries = { $n ->
    [one] { $n } entrada
   *[other] { $n } entradas
}
admin_status-ledger-unsealed = { $n ->
    [one] { $n } a la espera de sellarse
   *[other] { $n } a la espera de sellarse
}
admin_status-latest-block = Último bloque { $height }, con { $size } entradas, sellado { $when }
admin_status-no-block = Aún no se ha sellado ningún bloque.
admin_status-verify = Última comprobación completa
admin_status-verify-ok = Correcta { $when }
admin_status-verify-failed = FALLIDA { $when }
admin_status-verify-never = Nunca se ha ejecutado: ejecute careledger ledger verify (a diario, con cron o un temporizador).
admin_status-alerts = Alertas de integridad
admin_status-alerts-none = Ninguna
admin_status-alerts-some = { $n ->
    [one] { $n } alerta
   *[other] { $n } alertas
}
admin_status-alerts-latest = la última { $when }
admin_status-alerts-link = verlas
admin_status-sign-ins = Inicios de sesión (últimas 24 horas)
admin_status-failed-sign-ins = { $n ->
    [one] { $n } rechazado
   *[other] { $n } rechazados
}
admin_status-lockouts = { $n ->
    [one] { $n } rechazado por cuenta en pausa
   *[other] { $n } rechazados por cuenta en pausa
}
admin_status-locked-now = { $n ->
    [one] { $n } cuenta en pausa ahora
   *[other] { $n } cuentas en pausa ahora
}
admin_status-backup = Última copia de seguridad
admin_status-backup-ok = Terminada { $when }
admin_status-backup-failed = FALLIDA { $when }
admin_status-backup-size = { $size }
admin_status-backup-never = No consta ninguna copia de seguridad.
admin_status-backup-last-good = Última copia correcta: { $when }
admin_status-schedule = Copias de seguridad programadas
admin_status-schedule-plan = Cada { $every }; se conservan las { $keep } más recientes, en { $to }
admin_status-schedule-next = Próxima prevista: { $when }
admin_status-schedule-none = Ninguna: esta instancia se inició sin --backup-every.
admin_status-copies = Instancias en marcha
admin_status-copies-none = Ninguna instancia ha informado todavía.
admin_status-col-host = Máquina
admin_status-col-version = Versión
admin_status-col-started = Inicio
admin_status-col-seen = Último informe
admin_status-col-rate = Peticiones
admin_status-col-errors = Errores del servidor
admin_status-stopped = detenida
admin_status-rate = { $per_min } por minuto ({ $total } desde el inicio)
