"""Every exception the workbench library raises on purpose, in one tree.

Only the CLI turns them into ``Error: ...`` and an exit code::

    WorkbenchError
    ├── InputError          bad user input: a file, record or field we cannot use
    │   └── IntegrityError      a raw pull that no longer matches its checksum
    ├── StaleFilesError     generated files differ from what the schema produces
    ├── ConfigError         settings that do not make sense together
    ├── MissingExtra        an optional dependency a command needs is not installed
    ├── LockedError         another workbench job holds the lock
    └── StudioError         talking to Label Studio failed
        ├── ServerError         the managed server could not be started or stopped
        ├── ServerUnreachable   no server answers at the configured URL
        └── AuthError           the server refused the API key (expired, revoked, wrong)
"""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """Base class: every error the library raises on purpose."""


class InputError(WorkbenchError):
    """A file, record or field that cannot be used, named in the message."""


class IntegrityError(InputError):
    """A raw pull does not match its checksum, or has none."""


class StaleFilesError(WorkbenchError):
    """Generated files are out of date with the schema."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(
            f"generated files are out of date: {names} (run: workbench schema --write)")


class ConfigError(WorkbenchError):
    """Settings that are missing or contradict each other."""


class MissingExtra(WorkbenchError):
    """A command needs an optional part of the workbench that is not installed."""

    def __init__(self, extra: str, what: str, hint: str = ""):
        self.extra = extra
        super().__init__(f"{what} needs the '{extra}' extra: pip install 'workbench[{extra}]'"
                         + (f" ({hint})" if hint else ""))


class LockedError(WorkbenchError):
    """Another workbench job holds the lock."""


class StudioError(WorkbenchError):
    """Label Studio refused a request or answered something unexpected."""


class ServerError(StudioError):
    """The managed Label Studio server could not be started, stopped or reached."""


class ServerUnreachable(StudioError):
    """Nothing answers at the Label Studio URL."""


class AuthError(StudioError):
    """Label Studio refused the API key: wrong, expired or revoked."""
