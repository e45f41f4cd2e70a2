## templates/patients.html

patients-title = Patients
patients-heading = Find a patient
patients-q-label = Name, date of birth (YYYY-MM-DD) or MRN
patients-search-button = Search
patients-register-link = Register a patient
# $n: how many patients matched
patients-found = { $n ->
    [one] { $n } found
   *[other] { $n } found
}
patients-none = No patient matches. Try part of the name, or the date of birth.
patients-col-name = Name
patients-col-born = Date of birth
patients-label-born = Born
patients-col-sex = Sex
# Medical record number
patients-col-mrn = MRN
patients-chart-note = A chart opens for patients in your care (their care team); others answer "not found".
# A patient's sex (also on the registration form).
patients-sex-female = female
patients-sex-male = male
patients-sex-other = other
patients-sex-unknown = unknown
