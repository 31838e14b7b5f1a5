"""Domain exceptions the services raise and the views translate."""


class ValidationError(Exception):
    """Input a service refuses; `errors` maps field names to messages."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """The record asked for does not exist."""


class Forbidden(Exception):
    """The user may not do this."""
