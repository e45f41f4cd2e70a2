## templates/admin_audit.html
admin_audit-title = Audit trail
admin_audit-intro = Every access to patient data, every sign-in and every change of access, newest first.
# Around the command `careledger ledger verify`.
admin_audit-tamper-before = Rows cannot be changed or deleted without
admin_audit-tamper-after = naming them.
admin_audit-back-to-users = Back to users
admin_audit-emergency-report = Emergency access report
admin_audit-any = Any
admin_audit-from = From
admin_audit-to = To
admin_audit-sort = Sort
admin_audit-search = Search
admin_audit-clear = Clear
admin_audit-download-csv = Download CSV
admin_audit-rows-heading = Rows
admin_audit-no-rows = No rows match.
admin_audit-correct-filters = Correct the filters above.
admin_audit-col-when = When
admin_audit-col-who = Who
admin_audit-col-action = Action
admin_audit-col-patient = Patient
admin_audit-col-resource = Resource
admin_audit-col-outcome = Outcome
admin_audit-col-address = Address
admin_audit-col-request = Request
admin_audit-more = More →
# The filter fields (src/audit/pages.rs).
admin_audit-field-actor_id = Who (user id)
admin_audit-field-actor_role = Role
admin_audit-field-action = Action
admin_audit-field-patient_id = Patient (id)
admin_audit-field-resource_id = Resource (id)
admin_audit-field-outcome = Outcome
admin_audit-field-ip = Address
admin_audit-field-request_id = Request id
# The orders (src/audit/pages.rs).
admin_audit-sort-newest = Newest first
admin_audit-sort-oldest = Oldest first
admin_audit-sort-actor_id = Who
admin_audit-sort-actor_role = Role
admin_audit-sort-action = Action
admin_audit-sort-patient_id = Patient
admin_audit-sort-resource_id = Resource
admin_audit-sort-outcome = Outcome
admin_audit-sort-ip = Address
admin_audit-sort-user_agent = Client
admin_audit-sort-request_id = Request id
