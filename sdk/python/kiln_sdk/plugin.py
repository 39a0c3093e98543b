"""The plugin base class, and the run driver shared by the component and the native harness."""

from __future__ import annotations

import logging
import traceback
from typing import Iterable, Optional, Tuple, Type

from .context import Backend, Context, Level
from .errors import Failed, PluginError
from .info import PluginInfo, Value
from .output import Output
from .params import Params, parse


class Plugin:
    """A Kiln plugin: its self-description and its computation.

    Subclass it, set :attr:`info` (a :class:`PluginInfo`, or a classmethod returning one) and
    implement :meth:`run`::

        class Electricity(Plugin):
            info = PluginInfo("electricity", "0.1.0").param("min_kwh", 0.0, "...")

            def run(self, ctx, params):
                ...
                return Output().metric("enterprises", n)

    Each run gets a fresh instance, so attributes set in ``run`` never leak into another run.
    """

    #: What ``describe()`` returns: a :class:`PluginInfo`, or a classmethod making one.
    info: PluginInfo

    #: The level from which Python :mod:`logging` records reach the run's log during a run.
    log_level: int = logging.INFO

    def run(self, ctx: Context, params: Params) -> Output:
        """Computes the output from the granted data; raise a :class:`PluginError` to decline."""
        raise NotImplementedError(f"{type(self).__name__} does not implement run()")


def plugin_info(plugin: Type[Plugin]) -> PluginInfo:
    """``plugin``'s :class:`PluginInfo`, whether ``info`` is an attribute or a classmethod."""
    info = getattr(plugin, "info", None)
    if callable(info):
        info = info()
    if not isinstance(info, PluginInfo):
        raise TypeError(f"{getattr(plugin, '__name__', plugin)}.info must be a PluginInfo (or make one), not {info!r}")
    return info


class HostAbort(BaseException):
    """The host ending a run from inside a host call (ungranted data, a limit).

    A ``BaseException``, so a plugin's ``except Exception`` cannot swallow it natively, just as
    a guest cannot catch the host stopping it.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


_LEVELS = ((logging.ERROR, Level.ERROR), (logging.WARNING, Level.WARN), (logging.INFO, Level.INFO),
           (logging.DEBUG, Level.DEBUG))


def level_of(levelno: int) -> Level:
    """The contract's level for a :mod:`logging` level number (below DEBUG is trace)."""
    for threshold, level in _LEVELS:
        if levelno >= threshold:
            return level
    return Level.TRACE


class _LineFormat(logging.Formatter):
    """``logger: message`` (just the message for the root logger), with any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.name == "root" else f"{record.name}: {text}"


class RunLogHandler(logging.Handler):
    """Sends :mod:`logging` records to the log of the run in progress (none outside a run)."""

    def __init__(self) -> None:
        super().__init__()
        self.backend: Optional[Backend] = None
        self.setFormatter(_LineFormat("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        backend = self.backend
        if backend is None:
            return
        try:
            message = self.format(record)
        except Exception:  # a bad format string must not end the run
            self.handleError(record)
            return
        backend.log(level_of(record.levelno), message)


#: The one handler the SDK puts on the root logger while a run lasts.
LOG_HANDLER = RunLogHandler()


def run(plugin: Type[Plugin], backend: Backend, given: Iterable[Tuple[str, Value]]) -> Output:
    """Runs ``plugin`` against ``backend`` as the host would: parameters checked and
    completed, :mod:`logging` routed to the run's log, and any exception other than a
    :class:`PluginError` turned into :class:`Failed` (its traceback logged)."""
    info = plugin_info(plugin)
    params = parse(info, given)
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(LOG_HANDLER)
    root.setLevel(plugin.log_level)
    LOG_HANDLER.backend = backend
    try:
        output = plugin().run(Context(backend), params)
    except PluginError:
        raise
    except Exception as e:
        backend.log(Level.ERROR, traceback.format_exc().rstrip())
        raise Failed(f"{type(e).__name__}: {e}") from e
    finally:
        LOG_HANDLER.backend = None
        root.removeHandler(LOG_HANDLER)
        root.setLevel(saved_level)
    if not isinstance(output, Output):
        raise Failed(f"run() must return an Output, not {type(output).__name__}")
    return output
