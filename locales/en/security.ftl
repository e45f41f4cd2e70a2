## templates/security.html

security-title = Account security
# "Two-factor sign-in is <strong>on</strong>." / "… is <strong>off</strong> · <a>set it up</a>."
security-mfa-is = Two-factor sign-in is
security-mfa-on = on
security-mfa-off = off
security-mfa-set-up = set it up
# "{before} <a>{link}</a> {after} <time>27 Nov 2026, 21:44</time>." ($version: the notice's version)
security-privacy-accepted-before = You accepted the
security-privacy-link = privacy notice
security-privacy-accepted-after = version { $version } on
# "{before} <a>{link}</a> {after}"
security-privacy-none-before = No acceptance of the
security-privacy-none-after = is on record for this account.

security-devices-heading = Signed-in devices
security-devices-help = Page sessions end after { $minutes } minutes without activity, and after 24 hours in any case.
security-col-device = Device
security-col-address = Address
security-col-signed-in = Signed in
security-col-last-seen = Last seen
security-col-action = Action
# After the device's name, for a session of the app (the API).
security-app = (app)
security-this-device = This device
security-sign-out = Sign out

security-zone-heading = Time zone
# "Times are shown in <strong>Europe/Madrid</strong>, the clinic's zone."
security-zone-shown-in = Times are shown in
security-zone-clinics = , the clinic's zone
security-zone-label = Show times in
security-zone-clinic-option = The clinic's zone ({ $zone })
security-save = Save

security-look-heading = Look
security-look-legend = Pages are shown
security-look-device = as this device is set (light or dark)
security-look-light = light
security-look-dark = dark

# The languages themselves are listed by their own names (English, Español).
security-language-heading = Language
security-language-legend = Pages are written in
security-language-browser = the language my browser asks for

security-password-heading = Change password
security-password-help = Every other device is signed out when you change it.
security-current-password = Current password
security-new-password = New password
security-change-password = Change password
