"""The data of `make bench-scale`: a hosted installation's worth of coaches and bookings,
generated inside PostgreSQL (INSERT … SELECT over generate_series: no row crosses the wire,
which is faster still than COPY) on a freshly migrated database.

Every coach `c<n>` (Europe/Berlin) has weekly hours Mon–Fri 09–12 and 14–17, two types
(`erstgespraech` 30 min, `coaching` 60 min), two blocked periods, an imported calendar with
BUSY_PER_COACH busy times (11:00–12:00 on days ahead), CLIENTS_PER_COACH clients and
`bookings_per_coach` bookings of `coaching`, one a day at 09:00 from PAST_DAYS ago onwards. The
load's own bookings go to 14:00–17:00 (LOAD_HOURS) on weekdays, which nothing here takes.
"""

import time as clock

PAST_DAYS = 70
BOOKINGS_PER_COACH_DEFAULT = 100  # a million with 10,000 coaches
CLIENTS_PER_COACH = 20
BUSY_PER_COACH = 10
LOAD_HOURS = (14, 15, 16)
TYPE_SLUGS = ("erstgespraech", "coaching")

STATEMENTS = """
INSERT INTO accounts_user (id, password, is_superuser, first_name, last_name, is_staff, is_active,
    date_joined, email)
SELECT g, '!', false, '', '', false, true, now(), 'c' || g || '@bench.example'
FROM generate_series(1, %(coaches)s) g;

INSERT INTO scheduler_coach (id, user_id, slug, display_name, time_zone, language, address_form,
    policy, policy_en, reply_note, reply_note_en, minimum_message_length, contact_answer_days,
    busy_feed_enabled, feed_token, created_at, channel_notes, channels, retention_months,
    threema_id, whatsapp_number, privacy_text, pgp_public_key, embed_origins)
SELECT g, g, 'c' || g, 'Coach ' || g, 'Europe/Berlin', 'de', 'sie',
    'Termine nur nach Vereinbarung.', '', '', '', 20, 7, false, md5('feed' || g || random()), now(),
    '{}'::jsonb, '["phone", "video", "email", "threema", "whatsapp"]'::jsonb, 24, '', '', '', '', ''
FROM generate_series(1, %(coaches)s) g;

INSERT INTO scheduler_appointmenttype (id, coach_id, slug, name, name_en, description,
    description_en, duration, buffer_before, buffer_after, minimum_notice, horizon, slot_step,
    approval, answer_lead, allowed_channels, location, address_confirmation, reminders, active,
    listed, "order")
SELECT 2 * g - 1 + t, g, (ARRAY['erstgespraech', 'coaching'])[t + 1],
    (ARRAY['Erstgespräch', 'Coaching'])[t + 1], '', '', '',
    make_interval(mins => 30 * (t + 1)), interval '0', interval '0', interval '2 hours',
    interval '180 days', make_interval(mins => 15 * (t + 1)), 'never', interval '12 hours',
    '["phone", "video", "email", "threema", "whatsapp"]'::jsonb, '', 'requests', '[1440, 60]'::jsonb,
    true, true, t
FROM generate_series(1, %(coaches)s) g, generate_series(0, 1) t;

INSERT INTO scheduler_weeklyhours (coach_id, weekday, start, "end")
SELECT g, d, h.s, h.e
FROM generate_series(1, %(coaches)s) g, generate_series(0, 4) d,
    (VALUES (time '09:00', time '12:00'), (time '14:00', time '17:00')) h(s, e);

INSERT INTO scheduler_blockedperiod (coach_id, title, first_day, last_day, start, "end",
    updated_at, public_note, public_note_en)
SELECT g, 'Seminar', current_date + 100 + g %% 7, current_date + 102 + g %% 7, NULL, NULL, now(), '', ''
FROM generate_series(1, %(coaches)s) g
UNION ALL
SELECT g, 'Termin', NULL, NULL,
    ((current_date + 40 + g %% 5) + time '12:00') AT TIME ZONE 'Europe/Berlin',
    ((current_date + 40 + g %% 5) + time '14:00') AT TIME ZONE 'Europe/Berlin', now(), '', ''
FROM generate_series(1, %(coaches)s) g;

INSERT INTO scheduler_externalcalendar (id, coach_id, kind, name, url, username,
    password_encrypted, active, etag, last_modified, last_error, last_success_at)
SELECT g, g, 'ics', 'Privat', 'https://calendar.bench.example/' || g || '.ics', '', '', true, '', '', '',
    now()
FROM generate_series(1, %(coaches)s) g;

INSERT INTO scheduler_externalbusy (coach_id, calendar_id, start, "end", source_uid)
SELECT g, g, ((current_date + 1 + (g * 7 + k * 13) %% 60) + time '11:00') AT TIME ZONE 'Europe/Berlin',
    ((current_date + 1 + (g * 7 + k * 13) %% 60) + time '12:00') AT TIME ZONE 'Europe/Berlin',
    'busy-' || g || '-' || k
FROM generate_series(1, %(coaches)s) g, generate_series(1, %(busy)s) k;

INSERT INTO scheduler_client (id, coach_id, email, name, phone, threema_id, whatsapp,
    pgp_public_key, language, created_at)
SELECT (g - 1) * %(clients)s + k, g, 'k' || k || '.c' || g || '@bench.example', 'Klient ' || k,
    '', '', '', '', 'de', now()
FROM generate_series(1, %(coaches)s) g, generate_series(1, %(clients)s) k;

INSERT INTO scheduler_booking (uuid, token, address_token, coach_id, appointment_type_id, client_id,
    start, "end", blocked_start, blocked_end, status, channel, message, client_name, phone,
    threema_id, whatsapp, pgp_public_key, language, time_zone, status_note, privacy_consent_at,
    privacy_consent_version, video_room, sequence, booked_by_coach, outcome, created_at, updated_at)
SELECT gen_random_uuid(), md5('t' || g || '.' || k || random()), md5('a' || g || '.' || k || random()),
    g, 2 * g, (g - 1) * %(clients)s + 1 + k %% %(clients)s, s.at, s.at + interval '1 hour', s.at,
    s.at + interval '1 hour',
    CASE WHEN k %% 10 = 3 THEN 'cancelled' WHEN k < %(past)s AND k %% 20 = 7 THEN 'expired'
        ELSE 'confirmed' END,
    'phone', 'Ich möchte über meinen nächsten Schritt sprechen.', 'Klient', '+4930123456', '', '', '',
    'de', 'Europe/Berlin', '', now(), 'bench', '', 0, false, '', now(), now()
FROM generate_series(1, %(coaches)s) g, generate_series(0, %(bookings)s - 1) k,
    LATERAL (SELECT ((current_date - %(past)s + k) + time '09:00') AT TIME ZONE 'Europe/Berlin' AS at) s;
"""

SEQUENCES = [
    "accounts_user",
    "scheduler_coach",
    "scheduler_appointmenttype",
    "scheduler_externalcalendar",
    "scheduler_client",
]


def generate(connection, *, coaches: int, bookings_per_coach: int) -> dict:
    """Fill the migrated, empty database behind `connection` (psycopg, autocommit off);
    returns the row counts, the seconds it took and the database's size in bytes."""
    began = clock.perf_counter()
    params = {
        "coaches": coaches,
        "bookings": bookings_per_coach,
        "clients": CLIENTS_PER_COACH,
        "busy": BUSY_PER_COACH,
        "past": PAST_DAYS,
    }
    with connection.cursor() as cursor:
        for statement in STATEMENTS.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)
        for table in SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        counts = {}
        for table in ("scheduler_coach", "scheduler_booking", "scheduler_client", "scheduler_externalbusy"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table.removeprefix("scheduler_")] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"counts": counts, "seconds": clock.perf_counter() - began, "bytes": size}
