## templates/care_team.html

care_team-title = Care team
care_team-heading-mine = My care team
# $name: the patient
care_team-heading-of = Care team of { $name }
care_team-my-records = My records
care_team-intro-patient = The doctors on this team read your whole history: every record, file and proof.
care_team-intro-staff = The doctors on this team read the patient's whole history: every record, file and proof.
care_team-clinic-wide = This clinic also lets every active doctor read every patient's history.
care_team-empty = No doctor is on this care team.
care_team-col-doctor = Doctor
care_team-col-how = How
care_team-col-added-by = Added by
care_team-col-since = Since
care_team-col-remove = Remove
# $name: a doctor's name
care_team-doctor-name = Dr { $name }
care_team-remove-button = Remove Dr { $name }
# How a doctor joined the care team.
care_team-how-record = wrote a record
care_team-how-referral = referred
care_team-how-patient = added by the patient
care_team-how-appointment = appointment
care_team-how-other = other
# $day: a date (27 Nov 2026); the consent ends as the next day begins
care_team-until-end-of = until the end of { $day }
# $when: a date and time
care_team-until = until { $when }
care_team-all-on-team = Every doctor of the clinic is on your care team.
care_team-no-one-to-refer = There is no other doctor to refer this patient to (doctors the patient took off their team can only be added back by the patient).
care_team-add-heading = Add a doctor
care_team-refer-heading = Refer this patient to a colleague
care_team-form-error = Please correct the fields marked below.
care_team-doctor-label = Doctor
care_team-reason-label = Reason for the referral
care_team-until-label = Until (optional; without a date, until you remove them)
care_team-add-button = Add to my care team
care_team-refer-button = Refer
