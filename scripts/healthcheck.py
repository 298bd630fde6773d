"""Container health check: GET /healthz on the local gunicorn, exit 0 only on HTTP 200.

The request carries a host the site accepts (the first concrete name in ALLOWED_HOSTS) and
X-Forwarded-Proto: https, as the reverse proxy would send, so neither ALLOWED_HOSTS nor the
HTTPS redirect turns a healthy site into a failed probe. Standard library only.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": probe_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
