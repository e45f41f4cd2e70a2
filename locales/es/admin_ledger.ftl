## templates/admin_ledger.html
admin_ledger-title = Registro sellado
# Antes del comando `careledger ledger verify`.
admin_ledger-intro = Cada anotación clínica es una entrada; las entradas se sellan en bloques firmados. Compruébelo todo con
# Justo después del comando (sin espacio delante).
admin_ledger-intro-after = { "." }
admin_ledger-public-key = Clave pública (Ed25519):
admin_ledger-alerts-heading = Alertas de integridad
admin_ledger-alerts-none = Ninguna.
admin_ledger-blocks-heading = Bloques, del más reciente al más antiguo
admin_ledger-blocks-none = Todavía no hay bloques.
admin_ledger-col-height = Altura
admin_ledger-col-entries = Entradas
admin_ledger-col-root = Raíz
admin_ledger-col-hash = Hash
admin_ledger-col-sealed = Sellado
