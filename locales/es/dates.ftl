## Fechas y horas como se leen (reloj de 24 horas).

# $day $month $year: 27 nov 2026
date-day = { $day } { $month } { $year }
# $date $time: 27 nov 2026, 21:44
date-when = { $date }, { $time }
# $weekday $date: vie 27 nov 2026
date-weekday = { $weekday } { $date }

month-short-1 = ene
month-short-2 = feb
month-short-3 = mar
month-short-4 = abr
month-short-5 = may
month-short-6 = jun
month-short-7 = jul
month-short-8 = ago
month-short-9 = sept
month-short-10 = oct
month-short-11 = nov
month-short-12 = dic

weekday-short-1 = lun
weekday-short-2 = mar
weekday-short-3 = mié
weekday-short-4 = jue
weekday-short-5 = vie
weekday-short-6 = sáb
weekday-short-7 = dom

just-now = ahora mismo
ago-minutes = { $n ->
    [one] hace { $n } minuto
   *[other] hace { $n } minutos
}
ago-hours = { $n ->
    [one] hace { $n } hora
   *[other] hace { $n } horas
}
ago-days = { $n ->
    [one] hace { $n } día
   *[other] hace { $n } días
}
in-minutes = { $n ->
    [one] dentro de { $n } minuto
   *[other] dentro de { $n } minutos
}
in-hours = { $n ->
    [one] dentro de { $n } hora
   *[other] dentro de { $n } horas
}
in-days = { $n ->
    [one] dentro de { $n } día
   *[other] dentro de { $n } días
}

times-a-day = { $n ->
    [1] una vez al día
    [2] dos veces al día
   *[other] { $n } veces al día
}
