"""Where a charged request came from: the address and request line a limit event keeps.

Built by the views from their request (`Origin.of(request)`) and handed to `charge`, which
reads no request itself. Both values reach the administrators' e-mail, so each is bounded,
and the query is left out: it is whatever the person chose to send.
"""
from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

REQUEST_LINE_MAX = 300
IP_MAX = 64
URL_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class Origin:
    """The client's address and `METHOD /path`; None each where there is no request (the CLI, a benchmark)."""

    address: Optional[str] = None
    request_line: Optional[str] = None

    @classmethod
    def of(cls, request):
        """The origin of a Flask request: the path kept as the URL had it (percent-encoded, so no line breaks)."""
        path = quote(request.path, safe=URL_PATH_SAFE)
        return cls((request.remote_addr or "")[:IP_MAX] or None, f"{request.method} {path}"[:REQUEST_LINE_MAX])


UNKNOWN = Origin()
