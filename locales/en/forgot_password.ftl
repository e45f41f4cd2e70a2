## templates/forgot_password.html

forgot_password-title = Forgot your password?
# "{sent-before} <strong>email</strong>{sent-after}" ($minutes: how long the link works)
forgot_password-sent-before = If an account has the email
forgot_password-sent-after = , we have sent it a link to choose a new password. The link works once, for { $minutes } minutes. Check your spam folder if it does not come.
forgot_password-no-email-sent = This clinic's careledger does not send email. Ask an administrator or the front desk for a link to choose a new password.
forgot_password-back = Back to sign in
forgot_password-intro = Give the email you sign in with. If it has an account, we email it a link to choose a new password (it works once, for { $minutes } minutes).
forgot_password-email = Email
forgot_password-button = Send the link
forgot_password-no-email = This clinic's careledger does not send email. Ask an administrator or the front desk for a link to choose a new password: it works once, and they can make it for you on the spot.
