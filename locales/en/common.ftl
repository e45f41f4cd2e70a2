## Words every page shares: roles, the header's pages, times and numbers.

role-patient = Patient
role-doctor = Doctor
role-pharmacist = Pharmacist
role-lab = Lab staff
role-receptionist = Receptionist
role-admin = Administrator

nav-my-records = My records
nav-history = History
nav-who-looked = Who looked
nav-share = Share
nav-dashboard = Dashboard
nav-patients = Patients
nav-appointments = Appointments
nav-users = Users
nav-audit-trail = Audit trail
nav-ledger = Ledger
nav-emergency-access = Emergency access
nav-pharmacy = Pharmacy
nav-verify-prescription = Verify a prescription
nav-front-desk = Front desk
nav-find-patient = Find a patient
nav-register-patient = Register a patient
nav-lab-orders = Lab orders

thousands-separator = ,

# A signed-in device: $browser on $system.
device-on = { $browser } on { $system }

nav-health = Health
decimal-separator = .
