# "7 December 2026", "15:30", "7 December 2026, 15:30": day-month-year and a 24-hour clock
# read the same everywhere the organisations work (sv, nb, nl), for English too.
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
