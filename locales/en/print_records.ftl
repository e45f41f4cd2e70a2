## templates/print_records.html

print_records-title = My records to print
# "Print" (in bold, the browser's command) comes between these two parts.
print_records-intro-before = Everything below is on paper when you print this page: use your browser's
print_records-intro-print = Print
print_records-intro-after = (Ctrl+P, or ⌘P on a Mac), and choose “Save as PDF” to keep a file. Each record names its entry in the clinic's ledger, so another clinic can check it was not altered.
print_records-back = Back to my records
print_records-as-of = medical records as of { $printed }
print_records-count = { $n ->
    [one] { $n } record
   *[other] { $n } records
}
print_records-allergies = Allergies
print_records-problems = Problems
print_records-prescriptions = Prescriptions
print_records-allergies-none = None recorded.
print_records-problems-none = None recorded.
print_records-prescriptions-none = None.
print_records-allergy-recorded = recorded { $day } by Dr { $name }
print_records-problem-recorded = recorded { $day } by Dr { $name }
# One drug of a prescription, then how long: "Amoxicillin 500 mg, 3 times a day for 7 days".
print_records-rx-item = { $drug } { $dose } mg, { $times }
print_records-rx-days = { $n ->
   *[other] for { $n } days
}
print_records-written = written by Dr { $name } on { $when }
print_records-version-amended = version { $version } (amended)
print_records-ledger-entry = ledger entry { $entry }
print_records-verification-code = verification code
# The names of a record's files come between these two parts.
print_records-files-before = Files:
print_records-files-after = (in the FHIR download)
print_records-foot = printed { $printed }. Every clinical write is an entry of the clinic's signed ledger; a record's proof (from its page) shows it was not altered.
