## templates/security.html

security-title = Seguridad de la cuenta
security-mfa-is = La verificación en dos pasos está
security-mfa-on = activada
security-mfa-off = desactivada
security-mfa-set-up = configurarla
security-privacy-accepted-before = Aceptó la versión { $version } del
security-privacy-link = aviso de privacidad
security-privacy-accepted-after = el
security-privacy-none-before = No consta ninguna aceptación del
security-privacy-none-after = para esta cuenta.

security-devices-heading = Dispositivos con sesión iniciada
security-devices-help = Las sesiones en páginas terminan tras { $minutes } minutos sin actividad y, en cualquier caso, a las 24 horas.
security-col-device = Dispositivo
security-col-address = Dirección
security-col-signed-in = Inicio de sesión
security-col-last-seen = Última actividad
security-col-action = Acción
security-app = (aplicación)
security-this-device = Este dispositivo
security-sign-out = Cerrar sesión

security-zone-heading = Zona horaria
security-zone-shown-in = Las horas se muestran en
security-zone-clinics = , la zona de la clínica
security-zone-label = Mostrar las horas en
security-zone-clinic-option = La zona de la clínica ({ $zone })
security-save = Guardar

security-look-heading = Apariencia
security-look-legend = Las páginas se muestran
security-look-device = según la configuración de este dispositivo (claro u oscuro)
security-look-light = claro
security-look-dark = oscuro

security-language-heading = Idioma
security-language-legend = Idioma de las páginas:
security-language-browser = el idioma que pida mi navegador

security-password-heading = Cambiar la contraseña
security-password-help = Al cambiarla se cierra la sesión en todos los demás dispositivos.
security-current-password = Contraseña actual
security-new-password = Contraseña nueva
security-change-password = Cambiar la contraseña
