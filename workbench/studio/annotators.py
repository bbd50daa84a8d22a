"""Annotator accounts on the managed Label Studio.

Label Studio Community ignores the password given to its user API; its own
``reset_password`` command sets it. The password travels on that command's
stdin (never its arguments, which other users of the machine can read) and
is stored, when the workbench made it up, in a 0600 file under
``$WORKBENCH_HOME/annotators/``. It is never printed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ConfigError, InputError, ServerError
from workbench.settings import Settings
from workbench.store.roles import set_role
from workbench.store.atomic import write_text
from workbench.studio.client import Studio
from workbench.studio.server import ManagedServer

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Annotator:
    email: str
    user_id: int
    created: bool
    password_set: bool  # a new account, or --reset-password
    role: str | None  # the role given, when one was
    role_changed: bool
    login_url: str
    password_file: Path | None  # where a generated password was stored


def add_annotator(settings: Settings, studio: Studio, email: str, *,
                  password_file: Path | None = None, reset_password: bool = False,
                  role: str | None = None) -> Annotator:
    """Create the account with a password (from ``password_file``, or a new one).

    An existing account is left as it is, password and all, unless
    ``reset_password``: re-running the command must not lock a working annotator
    out. ``role`` records who adjudicates (``store.roles``).
    """
    if not settings.managed:
        raise ConfigError("annotators add works on the managed server only: on a remote Label "
                          "Studio, invite people from its Organization page")
    if not _EMAIL.match(email):
        raise InputError(f"not an email address: {email!r}")
    existing = {u["email"]: u["id"] for u in studio.users()}
    created = email not in existing
    role_changed = set_role(settings, email, role) if role else False
    stored = None
    if created or reset_password:
        if password_file is not None:
            password = _read_password(password_file)
        else:
            password = secrets.token_urlsafe(12)
            stored = settings.home / "annotators" / f"{email}.password"
        user_id = studio.create_user(email) if created else existing[email]
        _reset_password(ManagedServer(settings), email, password)
        if stored is not None:
            write_text(stored, password + "\n", permissions=0o600)
    else:
        user_id = existing[email]
    return Annotator(email=email, user_id=user_id, created=created,
                     password_set=created or reset_password, role=role,
                     role_changed=role_changed, login_url=f"{studio.url}/user/login/",
                     password_file=stored)


def list_annotators(studio: Studio) -> list[dict]:
    return studio.users()


def _read_password(path: Path) -> str:
    try:
        password = path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError, UnicodeDecodeError):
        raise InputError(f"{path}: cannot read a password from its first line") from None
    if len(password) < 8:
        raise InputError(f"{path}: a password needs at least 8 characters")
    return password


def _reset_password(server: ManagedServer, email: str, password: str) -> None:
    output = server.manage("reset_password", "--username", email, stdin=f"{password}\n")
    if "successfully changed" not in output and "same as current" not in output:
        last = output.strip().splitlines()[-1:] or ["no output"]
        raise ServerError(f"could not set the password of {email}: {last[0]}")
