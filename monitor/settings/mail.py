"""Mail health (SPEC §9): the outbox page, "Send a test e-mail", and #mail-warning on administrators' pages."""
from flask import flash, g, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from monitor.activity import account_timezone, mail_health
from monitor.clock import utcnow
from monitor.settings import bp


@bp.get("/mail")
def mail():
    """The outbox (waiting, failing with the last error, sent lately) and the mail server in use."""
    return render_template("settings/mail.html", outbox=mail_health.summarise(utcnow()),
                           server=mail_health.mail_server(), sent_days=mail_health.SENT_PERIOD_DAYS,
                           listed=mail_health.LISTED)


@bp.post("/mail/test")
def mail_test():
    """Queue a test e-mail to the acting administrator, try it at once, and say what became of it."""
    result = mail_health.send_test(current_user, account_timezone())
    if result.sent and result.suppressed:
        flash(_("Sending is switched off on this server (MAIL_SUPPRESS_SEND): the test e-mail to %(email)s "
                "was marked sent but did not leave it.", email=result.recipient), "error")
    elif result.sent:
        flash(_("The test e-mail to %(email)s was sent: the mail server accepted it.", email=result.recipient),
              "success")
    elif result.error:
        flash(_("The test e-mail to %(email)s is waiting in the outbox: %(error)s. The outbox keeps "
                "trying it on its own.", email=result.recipient, error=result.error), "error")
    else:
        flash(_("The test e-mail to %(email)s is waiting in the outbox: the background sender is trying it "
                "right now.", email=result.recipient), "error")
    return redirect(url_for("settings.mail"))


@bp.app_context_processor
def mail_warning_context():
    """`mail_warning()` for templates/_mail_warning.html, which base.html includes for administrators only.

    A function, so pages that do not call it (everyone else's) pay nothing; one query a request.
    """
    return {"mail_warning": mail_warning}


def mail_warning():
    """How long the oldest delayed alert e-mail has waited, in words, or None while mail flows."""
    if "mail_warning" not in g:
        now = utcnow()
        oldest = mail_health.oldest_delayed(now)
        g.mail_warning = None if oldest is None else format_timedelta(now - oldest, threshold=1.5)
    return g.mail_warning
