"""Mobile apps: the `X-Client-App` header, parsed strictly, and the oldest versions served while monitoring is on.

`android/3.3.12 (72)` names the Android app, its version and build; `ios/2.1.22` the iOS app.
Older apps do not count what they show the way monitoring needs, so they get 426 while it is on.
"""
import re
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException

from monitor import activity
from monitor.api.responses import ApiValidationError

HEADER = "X-Client-App"
PATTERNS = {
    "android": re.compile(r"android/([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,4}) \(([0-9]{1,9})\)"),
    "ios": re.compile(r"ios/([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,4})"),
}
# (major, minor, patch[, build]) of the oldest app that may call the API while monitoring is on.
MINIMUM = {"android": (3, 3, 12, 72), "ios": (2, 1, 22)}
MINIMUM_LABEL = "Android 3.3.12 (72) / iOS 2.1.22"


class UpgradeRequired(HTTPException):
    """426: the app is too old to be served while activity monitoring is on."""

    code = 426
    description = f"This version of the app is no longer supported. Update the app ({MINIMUM_LABEL} or newer)."


@dataclass(frozen=True)
class ClientApp:
    """A mobile app as its header names it."""

    platform: str
    version: tuple

    @property
    def outdated(self):
        return self.version < MINIMUM[self.platform]


def parse(header):
    """The app a header value names; ApiValidationError (400) when it is malformed."""
    for platform, pattern in PATTERNS.items():
        match = pattern.fullmatch(header)
        if match:
            return ClientApp(platform, tuple(int(part) for part in match.groups()))
    raise ApiValidationError.one(
        HEADER, "Expected android/MAJOR.MINOR.PATCH (BUILD) or ios/MAJOR.MINOR.PATCH", code="InvalidHeader"
    )


def channel_for(header):
    """"api" without the header, "mobile" for a supported app; 400 when malformed, 426 when too old."""
    if header is None:
        return "api"
    app = parse(header)
    if app.outdated and activity.monitoring_enabled():
        raise UpgradeRequired()
    return "mobile"
