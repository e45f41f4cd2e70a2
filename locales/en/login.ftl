## templates/login.html (and the sign-in refusals of src/accounts/pages.rs)

login-title = Sign in
login-email = Email
login-password = Password
login-two-factor-help = If you use two-factor sign-in, the next step asks for your code.
login-button = Sign in
# "<a>{forgot}</a> · {no-account} <a>{register}</a>."
login-forgot = Forgot your password?
login-no-account = No account yet?
login-register = Register

# Why sign-in is asked for.
login-why-next = Please sign in to see that page; you will be taken back to it.
login-why-signin = Please sign in to go on. If you were signed in, your session has ended.
login-why-password-set = Your password is saved, and every device was signed out. Sign in with it now.

# Refusals ($until: a date and time).
login-refused-code = That code is not right (or was already used). Enter the current code from your app, or a recovery code.
login-refused-credentials = The email or password is not correct.
login-refused-locked-email = Too many wrong attempts in a row: signing in from this browser is paused until { $until }. We emailed you a link to open it sooner.
login-refused-locked-admin = Too many wrong attempts in a row: signing in from this browser is paused until { $until }. An administrator can open it sooner.
# $n wrong attempts left (1 or 2) before the pause of $minutes minutes.
login-warning-left-one = { $n } more wrong attempt in a row and signing in to this account from a new device pauses for { $minutes } minutes.
login-warning-left-other = { $n } more wrong attempts in a row and signing in to this account from a new device pauses for { $minutes } minutes.
# $n: how many wrong attempts pause the account.
login-warning-paused = After { $n } wrong attempts in a row, signing in to this account from a new device is paused for { $minutes } minutes, even with the right password. Wait, use “Forgot your password?”, or ask an administrator to open it.
# The code step's ticket no longer works ($minutes: how long it lasts).
login-ticket-gone = Signing in could not go on: the step took longer than { $minutes } minutes, the password changed, or signing in to this account is paused after wrong attempts. Please enter your password again.
