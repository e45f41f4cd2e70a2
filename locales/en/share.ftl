## templates/share.html ($name: the patient who shared the records)

share-title = Shared records
share-heading = Records of { $name }
# "{shared-by} <time>27 Nov 2026, 21:44</time>. {shows-…} {recorded}"
share-shared-by = Shared by { $name } through careledger, read-only, until
share-shows-all = This link shows their whole history as it stands now.
share-shows-chosen = This link shows the records they chose.
share-recorded = Every opening of this page is recorded, and { $name } can see when it was opened.
# Shown when there are more records than the page holds.
share-truncated = { $n ->
    [one] Only the newest { $n } record is shown.
   *[other] Only the newest { $n } records are shown.
}
share-no-records = No records yet.
share-type = Type
share-written-by = Written by
# The doctor who wrote the record.
share-doctor = Dr { $name }
share-written-at = Written at
share-version = Version
share-version-amended = { $version } (amended)
share-notes = Notes
share-files = Files
share-files-help = Attached to this record (not downloadable through this link):
share-bytes = { $size } bytes
