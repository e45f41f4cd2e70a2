## templates/admin_emergency.html
admin_emergency-title = Emergency access report
admin_emergency-intro = Every time a doctor opened a patient's history in an emergency, newest first, with the reason they gave and how many accesses they made while it was open.
admin_emergency-in-audit = In the audit trail
admin_emergency-back-to-users = Back to users
admin_emergency-empty = No emergency access has been used.
admin_emergency-col-opened = Opened
admin_emergency-col-doctor = Doctor
admin_emergency-col-patient = Patient
admin_emergency-col-reason = Reason
admin_emergency-col-until = Until
admin_emergency-col-accesses = Accesses
admin_emergency-open-now = (open now)
admin_emergency-older = Older →
