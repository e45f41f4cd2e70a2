## templates/logout.html

logout-title = Cerrar sesión
logout-button = Cerrar sesión ahora
