## templates/access_log.html
access_log-title = Who looked at my records
access_log-intro = Everyone other than you who opened, listed or changed your records, newest first. Every access is recorded, and no one can change or remove an entry without it showing.
access_log-empty = No one else has accessed your records.
access_log-col-when = When
access_log-col-who = Who
access_log-col-what = What
access_log-older = Older →
access_log-back = Back to my records
# Who, when the access came from no one signed in (src/audit/pages.rs).
access_log-who-not-signed-in = Someone not signed in
# After the action, when the attempt did not go through.
access_log-outcome-denied = this attempt was refused: nothing was shown
access_log-outcome-not-found = this attempt found nothing
access_log-outcome-conflict = this attempt changed and opened nothing
access_log-outcome-other = this attempt did not go through
# What was done, in the patient's words.
access_log-did-record-read = Opened one of your records
access_log-did-record-search = Saw your records in a list or search
access_log-did-history-read = Read your history
access_log-did-record-versions = Read the earlier versions of a record
access_log-did-record-proof = Checked a record's proof
access_log-did-record-create = Wrote a record
access_log-did-record-amend = Amended a record
access_log-did-file-attach = Attached a file
access_log-did-file-list = Listed a record's files
access_log-did-file-download = Opened a file
access_log-did-care_team-read = Looked at your care team
access_log-did-care_team-add = Added a doctor to your care team
access_log-did-care_team-remove = Removed a doctor from your care team
access_log-did-emergency_access-open = Opened your records in an emergency
access_log-did-share-view = Opened a link you shared
access_log-did-share-revoke = Tried to revoke a link you shared
