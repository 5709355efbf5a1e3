"""An ICS feed of an external calendar for the import's tests: what it holds (ICS), what
it means as busy intervals (EXPECTED, at NOW), and a local HTTP server that serves it."""

from datetime import UTC, datetime

# A Monday, two weeks before Berlin switches to summer time (29 March 2026).
NOW = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Sprechzeit//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20260301T000000Z
SUMMARY:Supervision
DTSTART;TZID=Europe/Berlin:20260302T100000
DTEND;TZID=Europe/Berlin:20260302T110000
RRULE:FREQ=WEEKLY;COUNT=8
EXDATE;TZID=Europe/Berlin:20260323T100000
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20260301T000000Z
SUMMARY:Supervision (moved)
RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000
DTSTART;TZID=Europe/Berlin:20260407T140000
DTEND;TZID=Europe/Berlin:20260407T150000
END:VEVENT
BEGIN:VEVENT
UID:seminar@test
DTSTAMP:20260301T000000Z
SUMMARY:Seminar
DTSTART;VALUE=DATE:20260328
DTEND;VALUE=DATE:20260330
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260301T000000Z
SUMMARY:Reading time (free)
DTSTART;TZID=Europe/Berlin:20260318T110000
DTEND;TZID=Europe/Berlin:20260318T120000
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20260301T000000Z
SUMMARY:Cancelled meeting
DTSTART;TZID=Europe/Berlin:20260318T090000
DTEND;TZID=Europe/Berlin:20260318T100000
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTAMP:20260301T000000Z
SUMMARY:Dentist
DTSTART:20260317T150000
DTEND:20260317T160000
END:VEVENT
BEGIN:VEVENT
UID:utc@test
DTSTAMP:20260301T000000Z
SUMMARY:Call
DTSTART:20260318T090000Z
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:far@test
DTSTAMP:20260301T000000Z
SUMMARY:Beyond the horizon
DTSTART:20260601T090000Z
DTEND:20260601T100000Z
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def utc(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# What the feed above means (recurring-ical-events gives every occurrence, single events
# too, a RECURRENCE-ID: its start, here in UTC) between NOW - 1 day and NOW + 28 days (the type's horizon).
EXPECTED = [
    # 10:00 Berlin in winter is 09:00 UTC …
    (utc(2026, 3, 16, 9), utc(2026, 3, 16, 10), "weekly@test@20260316T090000Z"),
    # floating time, read in the coach's zone
    (utc(2026, 3, 17, 14), utc(2026, 3, 17, 15), "floating@test@20260317T140000Z"),
    (utc(2026, 3, 18, 9), utc(2026, 3, 18, 10), "utc@test@20260318T090000Z"),
    # 23 March is an EXDATE. The seminar's two days run midnight to midnight in Berlin,
    # across the change to summer time (the second day has 23 hours).
    (utc(2026, 3, 27, 23), utc(2026, 3, 29, 22), "seminar@test@20260327T230000Z"),
    # … and 08:00 UTC in summer.
    (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9), "weekly@test@20260330T080000Z"),
    # the occurrence of 6 April moved to 7 April 14:00 Berlin
    (utc(2026, 4, 7, 12), utc(2026, 4, 7, 13), "weekly@test@20260406T080000Z"),
    # 13 April 08:00 UTC lies beyond the horizon (NOW + 28 days = 13 April 06:00 UTC).
]


def stored(calendar):
    return sorted(calendar.busy.values_list("start", "end", "source_uid"))


def serve(httpserver, body=ICS, **headers):
    httpserver.expect_request("/work.ics").respond_with_data(body, content_type="text/calendar", headers=headers)
