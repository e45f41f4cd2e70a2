## templates/emergency_access.html
emergency_access-title = Emergency access
emergency_access-help = Use this only when a patient who is not in your care needs you now. It opens the patient's whole history to you for { $minutes } minutes. The patient sees that you did it and why, and so do the clinic's admins, with every record you open.
# Before the link to the patient's history.
emergency_access-in-care = This patient is already in your care: nothing was opened.
emergency_access-in-care-link = Open their history
# Right after the link (no space before it).
emergency_access-in-care-after = { "." }
emergency_access-errors = Please correct the fields marked below.
emergency_access-field-patient = Patient's email or id
emergency_access-field-reason = What is the emergency?
emergency_access-reason-help = At least { $n } characters; the patient will read it.
emergency_access-submit = Open the history for { $minutes } minutes
emergency_access-cancel = Cancel
