"""Exit 0 when this machine's web instance answers /healthz with 200, else 1.

For a container's health check or a monitoring agent on the machine: it asks
http://127.0.0.1:$PORT/healthz the way the proxy in front would, with the first name of
ALLOWED_HOSTS as Host and X-Forwarded-Proto: https (production refuses unknown hosts and
redirects plain HTTP). Standard library only.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz",
        headers={"Host": "localhost" if host in ("", "*") else host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
