"""The outbox, the one home of "a message is sent": notifications are written in the
transaction of the change they tell about and sent by a worker after commit.

Each message is sent at most once. A task first claims its row with a conditional
UPDATE, so a task delivered twice sends once. A message is rendered when it is sent,
from the booking as it is then; one that a later change of the booking overtook (a
confirmation after a cancellation, an old time after a move) is not sent but marked
superseded. Transient failures come back with exponential backoff and jitter; after
MAX_ATTEMPTS, or at once for a permanent failure, the row is failed and the coach is
told. An attempt whose outcome nobody knows (the provider may have the message: no
answer came, or the worker died in the middle) is never repeated by itself: the row
becomes "unknown" ("may not have arrived") and the coach may send it again. (A write to
the coach's CalDAV calendar is safe to repeat: it is retried instead, for longer.) A sweeper
(beat, every minute) dispatches what is due — reminders, retries, rows whose dispatch
was lost because the broker was down — and marks rows a killed worker left in
"sending" as unknown.

Its modules, in the order a message goes through them:
  write.py   the rows of one change, written in the change's transaction
  queue.py   the only place that hands work to Celery (.delay, .apply_async)
  send.py    claiming a row, checking it is still true, sending it, recording the outcome
  calendar_entries.py  the booking in the coach's CalDAV calendar: its rows, what they
             write when sent, the coach's alert when a write failed
  texts.py   what each kind of message says (a table of message ids per kind), rendered
             when it is sent
The channels' backends (scheduler/channels/) deliver what send.py hands them; those that
call a provider's HTTP API do it through one helper (channels/base.py, HttpBackend).
"""
