"""GET /healthz: for load balancers and monitors; no sign-in, no session, counts nothing."""
from flask import jsonify

from monitor.ops import bp, health


@bp.route("/healthz")
def healthz():
    """200 with {"database": "ok", ...} when the database answers and can be written, else 503."""
    healthy, report = health.check()
    return jsonify(report), 200 if healthy else 503
