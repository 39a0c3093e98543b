"""Why a plugin declines to produce output: the WIT `plugin-error`, as exceptions.

Raise :class:`InvalidParams`, :class:`InvalidData` or :class:`Failed` (or the base
:class:`PluginError`, which means failed) from ``run``; the SDK hands the host the matching
``plugin-error`` case. Any other exception escaping ``run`` is reported as ``failed`` with its
type and message, and its traceback goes to the run's log.
"""


class PluginError(Exception):
    """A run that declined to produce output; the host reports it with :attr:`message`.

    Raising the base class itself means ``failed``.
    """

    #: The WIT `plugin-error` case this exception maps to.
    kind = "failed"

    def __init__(self, message: str):
        super().__init__(message)
        #: The message the host reports (without the kind's prefix).
        self.message = str(message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.message == other.message  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.message))


class InvalidParams(PluginError):
    """A parameter is missing, unknown, mistyped or out of range."""

    kind = "invalid-params"


class InvalidData(PluginError):
    """The granted data lacks what the plugin needs, or is malformed."""

    kind = "invalid-data"


class Failed(PluginError):
    """Anything else."""

    kind = "failed"


def error_of_kind(kind: str, message: str) -> PluginError:
    """The exception for a WIT `plugin-error` case named ``kind``."""
    return {"invalid-params": InvalidParams, "invalid-data": InvalidData}.get(kind, Failed)(message)
