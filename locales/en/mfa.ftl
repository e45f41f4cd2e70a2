## templates/mfa.html
