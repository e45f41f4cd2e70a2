## templates/login_code.html

login_code-title = Your sign-in code
# "{signing-in-as} <strong>email</strong>. {open-app}"
login_code-signing-in-as = Signing in as
login_code-open-app = Open your authenticator app and enter the 6-digit code it shows for careledger, or one of your recovery codes.
login_code-code = Code
login_code-button = Sign in
# "{waits} <a>{start-again}</a>."
login_code-waits = This step waits a few minutes; after that,
login_code-start-again = start again
login_code-enter-code = Enter the code.
