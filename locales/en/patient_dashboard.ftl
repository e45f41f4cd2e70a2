## templates/patient_dashboard.html (and the chart drawn in src/records/chart.rs)

patient_dashboard-title = My records
# $doctor: the doctor's name
patient_dashboard-emergency-heading = { $doctor } opened your records in an emergency
# "On <time>, for an hour (until <time>). The reason they gave: “…”"
patient_dashboard-emergency-on = On
patient_dashboard-emergency-for-an-hour = , for an hour
patient_dashboard-emergency-until-before = (until
patient_dashboard-emergency-until-after = )
# $reason: what the doctor typed
patient_dashboard-emergency-reason = { "." } The reason they gave: “{ $reason }”
patient_dashboard-emergency-see-log = See what they looked at
patient_dashboard-emergency-care-team = Your care team
patient_dashboard-link-history = Search my history
patient_dashboard-link-chart = My chart
patient_dashboard-link-appointments = My appointments
patient_dashboard-link-care-team = My care team
patient_dashboard-link-access-log = Who looked at my records
patient_dashboard-link-share = Share my records
patient_dashboard-link-export = Download my records (FHIR)
patient_dashboard-link-print = Print my records
patient_dashboard-chart-heading = Records per month, this last year
# The chart's title for screen readers.
patient_dashboard-chart-title = { $n ->
    [one] Records per month, last { $n } month
   *[other] Records per month, last { $n } months
}
# One bar's tooltip: $month (Jan), $year, $n records
patient_dashboard-chart-bar = { $month } { $year }: { $n }
patient_dashboard-upcoming-heading = Coming up
patient_dashboard-upcoming-empty = No appointments booked.
patient_dashboard-upcoming-book = Book one
# $name: the doctor's name
patient_dashboard-upcoming-with = with Dr { $name }
patient_dashboard-results-heading = Latest lab results
patient_dashboard-results-empty = No results yet.
patient_dashboard-prescriptions-heading = My prescriptions
patient_dashboard-prescriptions-empty = No prescriptions.
# $drug, $mg: one drug of a prescription and its dose
patient_dashboard-prescription-item = { $drug } { $mg } mg
patient_dashboard-records-heading = My records, newest first
