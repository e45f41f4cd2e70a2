## templates/shares.html (and the expiries of src/shares/pages.rs)

shares-title = Share my records
shares-my-records = My records
shares-who-looked = Who looked at my records
# "{explain} <a>{explain-link}</a>."
shares-explain = A share link lets anyone who has it read the records you choose, without signing in, until it expires (at most seven days) or you revoke it. The link itself is the only key: give it only to whoever should read the records, and revoke it when they are done. Every time it is opened shows in
shares-explain-link = who looked at my records

shares-new-link = Your new link
# "<strong>{copy-now}</strong> {works-until} <time>27 Nov 2026, 21:44</time> {shows-…}."
shares-copy-now = Copy it now: this is the only time careledger shows it.
shares-works-until = It works until
shares-shows-all = and shows your whole history, including records written after today
shares-shows-records = { $n ->
    [one] and shows { $n } record
   *[other] and shows { $n } records
}
shares-link = Link
shares-qr-label = QR code of the link

shares-my-links = My links
shares-none = You have not shared any records.
shares-col-made = Made
shares-col-shows = Shows
shares-col-until = Until
shares-col-status = Status
shares-col-opened = Opened
shares-revoke = Revoke
shares-whole-history = Whole history
shares-records-count = { $n ->
    [one] { $n } record
   *[other] { $n } records
}
# How many times a link was opened.
shares-opened-times = { $n ->
    [one] { $n } time
   *[other] { $n } times
}

shares-make-heading = Make a link
shares-correct-fields = Please correct the fields marked below.
shares-scope-legend = What the link shows
shares-scope-records = Only the records I tick below
shares-scope-all = My whole history, as it stands whenever the link is opened: records written after today are included while the link works
shares-records-legend = Records
shares-no-records = No records yet.
# The doctor who wrote a record.
shares-doctor = Dr { $name }
shares-works-for = Works for
shares-expiry-1-hour = 1 hour
shares-expiry-1-day = 1 day
shares-expiry-3-days = 3 days
shares-expiry-7-days = 7 days
shares-make-button = Make the link
