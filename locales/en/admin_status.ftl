## templates/admin_status.html: the admins' health page.

admin_status-title = Health
admin_status-measured = Measured { $when }.
admin_status-database = Database
admin_status-database-up = Answering ({ $ms } ms)
admin_status-database-down = Not answering
admin_status-ledger = Ledger
admin_status-ledger-entries = { $n ->
    [one] { $n } entry
   *[other] { $n } entries
}
admin_status-ledger-unsealed = { $n ->
    [one] { $n } waiting to be sealed
   *[other] { $n } waiting to be sealed
}
admin_status-latest-block = Latest block { $height }, covering { $size } entries, sealed { $when }
admin_status-no-block = No block sealed yet.
admin_status-verify = Last full check
admin_status-verify-ok = Passed { $when }
admin_status-verify-failed = FAILED { $when }
admin_status-verify-never = Never run: run careledger ledger verify (daily, from cron or a timer).
admin_status-alerts = Integrity alerts
admin_status-alerts-none = None
admin_status-alerts-some = { $n ->
    [one] { $n } alert
   *[other] { $n } alerts
}
admin_status-alerts-latest = the latest { $when }
admin_status-alerts-link = see them
admin_status-sign-ins = Sign-ins (last 24 hours)
admin_status-failed-sign-ins = { $n ->
    [one] { $n } refused
   *[other] { $n } refused
}
admin_status-lockouts = { $n ->
    [one] { $n } refused for a paused account
   *[other] { $n } refused for a paused account
}
admin_status-locked-now = { $n ->
    [one] { $n } account paused now
   *[other] { $n } accounts paused now
}
admin_status-backup = Last backup
admin_status-backup-ok = Finished { $when }
admin_status-backup-failed = FAILED { $when }
admin_status-backup-size = { $size }
admin_status-backup-never = No backup recorded.
admin_status-backup-last-good = Last good backup: { $when }
admin_status-schedule = Backup schedule
admin_status-schedule-plan = Every { $every }, keeping the newest { $keep }, in { $to }
admin_status-schedule-next = Next one due: { $when }
admin_status-schedule-none = None: this copy was started without --backup-every.
admin_status-copies = Copies running
admin_status-copies-none = No copy has reported yet.
admin_status-col-host = Machine
admin_status-col-version = Version
admin_status-col-started = Started
admin_status-col-seen = Last report
admin_status-col-rate = Requests
admin_status-col-errors = Server errors
admin_status-stopped = stopped
admin_status-rate = { $per_min } a minute ({ $total } since start)
