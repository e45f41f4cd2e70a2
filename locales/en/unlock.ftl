## templates/unlock.html (and the link's refusals of src/accounts/pages.rs)

unlock-title = Open your account
unlock-done = Your account is open again. If the failed attempts were not yours, change your password after you sign in.
unlock-sign-in = Sign in
unlock-intro = Your account was paused after several failed attempts to sign in. This link opens it again, once.
unlock-button = Open my account
unlock-no-link = This page opens from the link in the email you were sent.
unlock-link-gone = This link does not work any more: it was used already, it is older than a day, or it was copied incompletely.
