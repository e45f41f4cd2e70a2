## templates/chart.html

chart-title = Chart
chart-print-head = chart of { $name } · printed { $printed }
chart-heading-mine = My chart
chart-heading-of = Chart of { $name }
chart-link-records = Records
chart-link-care-team = Care team
chart-link-prescribe = Prescribe
chart-record-number = Record number
chart-born = born
chart-sex-female = female
chart-sex-male = male
chart-sex-other = other
chart-sex-unknown = unknown
# A doctor's name, as in "Dr Ada Lovelace".
chart-doctor = Dr { $name }

chart-records-heading = Recent records
chart-records-none = No records yet.
chart-records-all = All records

chart-appointments-heading = Appointments to come
chart-appointments-help = Only the appointments you may see: a doctor's own with this patient (the front desk sees every doctor's).
chart-appointments-none = None booked.
# After the appointment's time.
chart-appointment-with = with Dr { $name }
chart-appointment-with-room = with Dr { $name }, { $room }

chart-allergies-heading = Allergies
chart-allergies-none = No known allergies recorded.
chart-col-substance = Substance
chart-col-reaction = Reaction
chart-col-severity = Severity
chart-col-recorded = Recorded
# After the time something was recorded.
chart-recorded-by = by Dr { $name }
chart-allergy-form-heading = Record an allergy
chart-form-error = Please correct the fields marked below.
chart-substance-label = Substance (a drug, a class such as penicillins or NSAIDs, or anything else)
chart-reaction-label = Reaction (optional)
chart-severity-unknown = Not known
chart-allergy-submit = Record allergy

chart-problems-heading = Problems
chart-problems-none = No problems on the list.
chart-col-problem = Problem
chart-col-code = Code
chart-col-since = Since
chart-col-status = Status
chart-problem-form-heading = Add a problem
chart-problem-code-label = Code (ICD-10 or SNOMED CT, optional)
chart-onset-label = Since (optional)
chart-problem-submit = Add problem

chart-lab-heading = Lab tests
chart-lab-none = No lab tests ordered.
chart-col-ordered = Ordered
chart-col-test = Test
chart-col-result = Result
chart-col-range = Range
chart-lab-waiting = waiting
chart-lab-form-heading = Order a test
chart-lab-code-label = Code (LOINC or the lab's)
chart-lab-notes-label = Notes for the lab
chart-lab-submit = Order

chart-rx-heading = Prescriptions
chart-rx-none = No prescriptions.
chart-col-issued = Issued
chart-col-items = Items
chart-col-by = By
# One drug of a prescription: "Amoxicillin 500 mg, 3 times a day".
chart-rx-item = { $drug } { $dose } mg, { $times }
chart-rx-warnings = { $n ->
    [one] { $n } warning
   *[other] { $n } warnings
}
