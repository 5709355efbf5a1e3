"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

Command-line options win over this file. Environment: WEB_HOST (the address to listen on,
default 127.0.0.1), PORT (default 8000), WEB_CONCURRENCY (worker processes, default
2 × cores + 1), WEB_TIMEOUT (seconds, default 30); LOG_FORMAT and LOG_LEVEL as in Django.
"""

import os

from config.logging import logging_config
from config.settings import DEBUG, LOG_FORMAT, LOG_LEVEL

# Loopback by default: the TLS proxy in front runs on the same machine, and nobody else
# should reach gunicorn directly (past the proxy, X-Forwarded-For and -Proto are whatever
# the client writes). A container sets WEB_HOST=0.0.0.0 deliberately: its published port
# is the only way in (see Dockerfile and docker-compose.yml).
bind = f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: every request is short and waits on PostgreSQL, not on the client (a
# proxy in front buffers slow clients).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On SIGTERM (deploys, systemctl stop) requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# No recycling: workers that restart after N requests restart together under an even load
# (measured: with 1000 ± 100, three workers within 1.3 s, three times in 90 s, requests
# waiting 3-5 s meanwhile). Nothing here grows per request; a worker that dies or hangs is
# replaced by the arbiter, and a HUP (a deploy) replaces all of them one by one.
max_requests = 0
# No preloading: each worker imports Django itself and opens its own database, Redis
# and broker connections, so a forked worker never shares a socket with another, and
# a HUP loads new code.
preload_app = False
# The worker heartbeat file: in memory where there is /dev/shm (containers' /tmp may be a disk).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# systemd or Docker send the signals; the control socket (gunicornc) would sit at one
# path per user, shared by every instance on the machine.
control_socket_disable = True

# The access log goes to stdout, everything else to stderr, both in LOG_FORMAT (whose
# formatters mask the tokens in paths). The request line without its query string; the
# JSON lines add the atoms as fields.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus'
logconfig_dict = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL, mask_personal=not DEBUG)
logconfig_dict["handlers"]["access"] = logconfig_dict["handlers"]["console"] | {"stream": "ext://sys.stdout"}
logconfig_dict["loggers"] |= {
    "gunicorn.error": {"handlers": ["console"], "propagate": False},
    "gunicorn.access": {"handlers": ["access"], "propagate": False},
}
