"""Response headers that hold for every page: a CSP with no inline script, no caching of records, and friends."""
from flask import request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app):
    """Register the header hook."""

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages, exports and API answers carry customer data: no browser or proxy keeps them
            # after sign-out. Set, not defaulted: send_file's "no-cache" still allows storing.
            response.headers["Cache-Control"] = "no-store"
        return response
