## templates/appointments.html

appointments-title = Appointments
appointments-heading-desk = Front desk
appointments-heading-patient = My appointments to come
appointments-heading-doctor = My day
appointments-empty-patient = No upcoming appointments.
appointments-empty-day = No appointments this day.
appointments-col-when = When
appointments-col-doctor = Doctor
appointments-col-patient = Patient
appointments-col-with = With
appointments-col-room = Room
appointments-col-why = Why
appointments-col-status = Status
appointments-col-next-step = Next step
# $name: a doctor's name
appointments-doctor-name = Dr { $name }
# The next steps of an appointment (buttons).
appointments-step-check-in = Check in
appointments-step-with-doctor = With the doctor
appointments-step-done = Done
appointments-step-cancel = Cancel
appointments-book-heading = Book an appointment
appointments-form-error = Please correct the fields marked below.
appointments-doctor-label = Doctor
appointments-patient-label = Patient
appointments-day-label = Day
# $zone: the time zone (Europe/Madrid)
appointments-start-label = Start ({ $zone } time, every 5 minutes)
appointments-minutes-label = Length (minutes)
appointments-room-label = Room (optional)
appointments-reason-label = Reason (optional)
appointments-book-button = Book
