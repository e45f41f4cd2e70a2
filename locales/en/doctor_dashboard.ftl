## templates/doctor_dashboard.html

doctor_dashboard-title = Doctor dashboard
# $name: the doctor's name
doctor_dashboard-doctor-name = Dr { $name }
doctor_dashboard-pending = Your account is waiting for an administrator's approval. Until then you cannot write or read records.
doctor_dashboard-write-record = Write a record
doctor_dashboard-search-records = Search records
doctor_dashboard-my-day = My day
doctor_dashboard-find-patient = Find a patient
doctor_dashboard-emergency-access = Emergency access
# $n: how many appointments today
doctor_dashboard-today-heading = Today ({ $n })
doctor_dashboard-today-empty = No appointments today.
doctor_dashboard-results-heading = Results
# $n: tests ordered that have no result yet
doctor_dashboard-results-open = { $n ->
    [one] ({ $n } still at the lab)
   *[other] ({ $n } still at the lab)
}
doctor_dashboard-results-empty = No results of tests you ordered yet.
doctor_dashboard-recent-heading = Recent patients
doctor_dashboard-recent-empty = None yet.
doctor_dashboard-records-heading = Records you wrote
