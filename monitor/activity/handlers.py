"""How a refused view answers: an HTML page, or problem+json under /api and to a page's fetch asking for JSON."""
from flask import render_template
from flask_babel import gettext as _
from flask_login import logout_user

from monitor.activity.service import LimitReached
from monitor.activity.wording import (
    active_administrators,
    describe_refusal,
    limit_in_plain_words,
    refusal_sentences,
    whom_to_ask,
)
from monitor.errors import problem, wants_json, wants_problem_json


def limit_reached_response(error: LimitReached):
    """403 (deactivated) or 429 with Retry-After (the last administrator)."""
    if error.status == 429:
        detail = _("Activity limit reached: %(limit)s. Try again in %(seconds)d seconds.",
                   limit=describe_refusal(error), seconds=error.retry_after)
        headers = {"Retry-After": str(error.retry_after)}
    else:
        detail = _("Deactivated by activity monitoring: %(limit)s", limit=describe_refusal(error, ", "))
        headers = {}
    if wants_problem_json():
        if error.status == 403:
            detail = f"{detail}. {whom_to_ask()}"
        return problem(error.status, detail, headers=headers)
    sentences = refusal_sentences(error) if error.status == 403 else []
    if error.status == 403:
        logout_user()  # the account is deactivated: the page shows no workspace around it, /login says why
    if wants_json():  # a page's fetch (the record picker): the words the refused page and /login say
        return problem(error.status, " ".join((*sentences, whom_to_ask())) if sentences else detail,
                       headers=headers)
    page = render_template(
        "errors/refused.html", error=error, detail=detail, sentences=sentences,
        reached=limit_in_plain_words(error.counter, error.limit, error.period) if error.counter else None,
        administrators=active_administrators() if error.status == 403 else [],
    )
    return page, error.status, headers


def init_app(app):
    """Register the handler."""
    app.register_error_handler(LimitReached, limit_reached_response)
