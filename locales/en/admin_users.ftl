## templates/admin_users.html
admin_users-title = Users
admin_users-waiting = { $n ->
    [one] waiting for approval
   *[other] waiting for approval
}
admin_users-none-waiting = No one waiting for approval.
admin_users-active = Active:
admin_users-active-role = { $n } { $role }
admin_users-link-audit = Audit trail
admin_users-link-emergency = Emergency access report
admin_users-link-ledger = Ledger and integrity alerts
admin_users-status = Status
admin_users-role = Role
admin_users-any = Any
admin_users-name-or-email = Name or email
admin_users-filter = Filter
admin_users-clear = Clear
admin_users-none-match = No users match.
admin_users-col-name = Name
admin_users-col-email = Email
admin_users-col-role = Role
admin_users-col-status = Status
admin_users-col-actions = Actions
admin_users-care-team = care team
admin_users-erase = erase…
admin_users-erased = Erased
admin_users-two-factor-on = two-factor on
admin_users-paused-until = paused until { $when }
admin_users-reset-link = Password reset link
admin_users-new-role-for = New role for { $name }
admin_users-change-role = Change role
admin_users-more = More users →
# The buttons of each user's actions (src/accounts/admin/pages.rs).
admin_users-action-approve = Approve
admin_users-action-reject = Reject
admin_users-action-deactivate = Deactivate
admin_users-action-reactivate = Reactivate
admin_users-action-unlock = Unlock
admin_users-action-act = Act
