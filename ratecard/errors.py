"""Errors the CLI reports as one clear line, with what to do about them."""


class RatecardError(Exception):
    """A failure the user can act on: `message`, then `hint` (what to do)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
