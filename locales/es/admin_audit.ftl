## templates/admin_audit.html
admin_audit-title = Auditoría
admin_audit-intro = Cada acceso a datos de pacientes, cada inicio de sesión y cada cambio de acceso, del más reciente al más antiguo.
# Alrededor del comando `careledger ledger verify`.
admin_audit-tamper-before = Las filas no pueden modificarse ni borrarse sin que
admin_audit-tamper-after = las señale.
admin_audit-back-to-users = Volver a los usuarios
admin_audit-emergency-report = Informe de accesos de emergencia
admin_audit-any = Cualquiera
admin_audit-from = Desde
admin_audit-to = Hasta
admin_audit-sort = Orden
admin_audit-search = Buscar
admin_audit-clear = Borrar filtros
admin_audit-download-csv = Descargar CSV
admin_audit-rows-heading = Filas
admin_audit-no-rows = Ninguna fila coincide.
admin_audit-correct-filters = Corrija los filtros de arriba.
admin_audit-col-when = Cuándo
admin_audit-col-who = Quién
admin_audit-col-action = Acción
admin_audit-col-patient = Paciente
admin_audit-col-resource = Recurso
admin_audit-col-outcome = Resultado
admin_audit-col-address = Dirección IP
admin_audit-col-request = Solicitud
admin_audit-more = Más →
# Los campos del filtro (src/audit/pages.rs).
admin_audit-field-actor_id = Quién (id de usuario)
admin_audit-field-actor_role = Rol
admin_audit-field-action = Acción
admin_audit-field-patient_id = Paciente (id)
admin_audit-field-resource_id = Recurso (id)
admin_audit-field-outcome = Resultado
admin_audit-field-ip = Dirección IP
admin_audit-field-request_id = Id de solicitud
# Los órdenes (src/audit/pages.rs).
admin_audit-sort-newest = Más recientes primero
admin_audit-sort-oldest = Más antiguas primero
admin_audit-sort-actor_id = Quién
admin_audit-sort-actor_role = Rol
admin_audit-sort-action = Acción
admin_audit-sort-patient_id = Paciente
admin_audit-sort-resource_id = Recurso
admin_audit-sort-outcome = Resultado
admin_audit-sort-ip = Dirección IP
admin_audit-sort-user_agent = Cliente
admin_audit-sort-request_id = Id de solicitud
