## templates/admin_users.html
admin_users-title = Usuarios
admin_users-waiting = { $n ->
    [one] espera aprobación
   *[other] esperan aprobación
}
admin_users-none-waiting = Nadie espera aprobación.
admin_users-active = Cuentas activas:
admin_users-active-role = { $role }: { $n }
admin_users-link-audit = Auditoría
admin_users-link-emergency = Informe de accesos de emergencia
admin_users-link-ledger = Registro sellado y alertas de integridad
admin_users-status = Estado
admin_users-role = Rol
admin_users-any = Cualquiera
admin_users-name-or-email = Nombre o correo electrónico
admin_users-filter = Filtrar
admin_users-clear = Borrar filtros
admin_users-none-match = Ningún usuario coincide.
admin_users-col-name = Nombre
admin_users-col-email = Correo electrónico
admin_users-col-role = Rol
admin_users-col-status = Estado
admin_users-col-actions = Acciones
admin_users-care-team = equipo de atención
admin_users-erase = borrar…
admin_users-erased = Borrada
admin_users-two-factor-on = verificación en dos pasos activada
admin_users-paused-until = en pausa hasta el { $when }
admin_users-reset-link = Enlace para restablecer la contraseña
admin_users-new-role-for = Nuevo rol para { $name }
admin_users-change-role = Cambiar el rol
admin_users-more = Más usuarios →
# Los botones de las acciones de cada usuario (src/accounts/admin/pages.rs).
admin_users-action-approve = Aprobar
admin_users-action-reject = Rechazar
admin_users-action-deactivate = Desactivar
admin_users-action-reactivate = Reactivar
admin_users-action-unlock = Desbloquear
admin_users-action-act = Actuar
