"""Domain exceptions the services raise and the views translate."""


class ValidationError(Exception):
    """Input a service refuses; `errors` maps field names to messages.

    `position`: which item of a batch was refused (None when there is no batch).
    """

    def __init__(self, errors, position=None):
        super().__init__(errors)
        self.errors = errors
        self.position = position


class NotFound(Exception):
    """The record asked for does not exist."""


class Forbidden(Exception):
    """The user may not do this."""
