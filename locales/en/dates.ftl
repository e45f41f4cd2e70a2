## Dates and times as people read them (the clock is 24-hour in both languages).

# $day $month $year: 27 Nov 2026
date-day = { $day } { $month } { $year }
# $date $time: 27 Nov 2026, 21:44
date-when = { $date }, { $time }
# $weekday $date: Fri 27 Nov 2026
date-weekday = { $weekday } { $date }

month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec

weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun

just-now = just now
ago-minutes = { $n ->
    [one] { $n } minute ago
   *[other] { $n } minutes ago
}
ago-hours = { $n ->
    [one] { $n } hour ago
   *[other] { $n } hours ago
}
ago-days = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
in-minutes = { $n ->
    [one] in { $n } minute
   *[other] in { $n } minutes
}
in-hours = { $n ->
    [one] in { $n } hour
   *[other] in { $n } hours
}
in-days = { $n ->
    [one] in { $n } day
   *[other] in { $n } days
}

times-a-day = { $n ->
    [1] once a day
    [2] twice a day
   *[other] { $n } times a day
}
