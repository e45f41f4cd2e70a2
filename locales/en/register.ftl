## templates/register.html (the roles' names are role-* of common.ftl)

register-title = Register
register-heading = Create an account
register-correct-fields = Please correct the fields marked below.
register-full-name = Full name
register-email = Email
register-password = Password
register-password-help = At least 10 characters; a few unrelated words work well.
register-role = I am a
register-staff-wait = Staff accounts wait for an administrator's approval before they can act.
# "{before} <a>{link}</a> {after}" ($version: the privacy notice's version)
register-accept-before = By creating an account you accept careledger's
register-privacy-link = privacy notice
register-accept-after = (version { $version }).
register-button = Create account
