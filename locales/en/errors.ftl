## What error pages say (src/http/render.rs): a title by status, and the refusal in words.

error-title-400 = That request could not be read
error-title-401 = Please sign in
error-title-403 = You cannot open this page
error-title-404 = Page not found
error-title-405 = That cannot be done here
error-title-409 = That changed in the meantime
error-title-413 = That is too large
error-title-415 = That kind of file is not accepted
error-title-422 = Some of what was sent is not valid
error-title-423 = The account is paused
error-title-429 = Too many tries
error-title-503 = careledger is busy or unavailable
error-title-500 = Something went wrong on our side
error-title-other = That did not work

error-opaque = Something went wrong on our side. The request id below helps your administrator find out what.
# $fields: each field and why, "field: why; field: why"
error-fields = { $fields }
error-validation = Some fields are not valid.
error-malformed = The request body could not be read: { $why }
error-too-large = The request body is larger than this page accepts.
error-email-taken = An account with this email already exists.
error-invalid-credentials = The email or password is not correct.
error-pending-approval = This staff account is waiting for an administrator's approval.
error-account-disabled = This account has been turned off by an administrator.
error-account-locked = Too many wrong attempts in a row: paused until { $until }. An administrator can open it sooner.
error-rate-limited = { $n ->
    [one] Too many requests; try again in { $n } second.
   *[other] Too many requests; try again in { $n } seconds.
}
error-sign-in-again = Please sign in again.
error-mfa-required = This account uses two-factor sign-in: enter the code from your app.
error-invalid-code = The one-time code is wrong or was already used.
error-csrf = The form is out of date or was not sent by this site. Reload and try again.
error-forbidden = You may not do this: { $why }.
error-not-found = Nothing was found here that you may see.
error-gone = This patient's data was erased at their request; it no longer exists.
error-safety-warnings = { $n ->
    [one] The prescription has a safety warning to read before it can be issued.
   *[other] The prescription has { $n } safety warnings to read before it can be issued.
}
error-database-unavailable = The database is unavailable; try again shortly.
error-not-sealed-yet = The entry is being sealed into a signed block; try again in a moment.
error-internal = Something went wrong on our side.
