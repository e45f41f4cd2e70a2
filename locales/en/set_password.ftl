## templates/set_password.html

set_password-title = Choose your password
set_password-heading = Choose your password
set_password-intro = Choose a password of at least 10 characters that is hard to guess; then sign in with your email. Every device signed in to your account is signed out.
set_password-password-label = New password
set_password-button = Save password
set_password-back = Back to sign in
# The one-time link no longer works.
set_password-link-dead = This link does not work any more (used, expired, replaced by a newer one or mistyped). Ask for a new one with “Forgot your password?” on the sign-in page, or at the clinic's front desk.
