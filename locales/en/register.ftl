## templates/register.html
