## templates/history.html

history-title = History
# The filter by person: a doctor filters by patient, a patient by doctor.
history-patient = Patient
history-doctor = Doctor
# The empty choice of a filter.
history-any = Any
history-from = From
history-to = To
history-type = Type
history-text = Text
history-search = Search
history-clear = Clear
history-results = Results
history-correct-search = Correct the search above to see results.
history-no-match = No records match this search.
