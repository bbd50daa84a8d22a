"""Exceptions raised by the workbench library.

Only the CLI turns them into ``Error: ...`` and an exit code::

    WorkbenchError
    ├── InputError          bad user input: a file, record or field we cannot use
    ├── StaleFilesError     generated files differ from what the schema produces
    ├── ConfigError         settings that do not make sense together
    └── StudioError         talking to Label Studio failed
        ├── ServerError         the managed server could not be started or stopped
        └── ServerUnreachable   no server answers at the configured URL
"""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """Base class: every error the library raises on purpose."""


class InputError(WorkbenchError):
    """A file, record or field that cannot be used, named in the message."""


class StaleFilesError(WorkbenchError):
    """Generated files are out of date with the schema."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(
            f"generated files are out of date: {names} (run: workbench schema --write)")


class ConfigError(WorkbenchError):
    """Settings that are missing or contradict each other."""


class StudioError(WorkbenchError):
    """Label Studio refused a request or answered something unexpected."""


class ServerError(StudioError):
    """The managed Label Studio server could not be started, stopped or reached."""


class ServerUnreachable(StudioError):
    """Nothing answers at the Label Studio URL."""
