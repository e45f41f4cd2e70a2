## templates/logout.html

logout-title = Sign out
logout-button = Sign out now
