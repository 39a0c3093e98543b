"""A pytest plugin: ``--kiln-component PATH.wasm`` runs every :class:`kiln_sdk.testing.TestRun`
against that built component (through ``kiln plugin run``) instead of the plugin class, so
the same tests check the native code and the component.

Installed with the package as a ``pytest11`` entry point; without the package installed,
load it with ``pytest -p kiln_sdk.pytest_plugin``. The ``kiln`` binary is ``$KILN_BIN`` or
``kiln`` on ``PATH``.
"""

import os

from . import testing


def pytest_addoption(parser):
    group = parser.getgroup("kiln")
    group.addoption(
        "--kiln-component",
        metavar="PATH.wasm",
        default=None,
        help="run kiln_sdk.testing.TestRun against this component through `kiln plugin run`",
    )


def pytest_configure(config):
    path = config.getoption("kiln_component")
    if path is not None:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"--kiln-component: no file {path}")
        testing.use_component(os.path.abspath(path))


def pytest_unconfigure(config):
    testing.use_component(None)


def pytest_report_header(config):
    path = config.getoption("kiln_component")
    return f"kiln: TestRuns run {'component ' + path if path else 'natively'}"
