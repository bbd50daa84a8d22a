"""Annotator accounts: made on the managed Label Studio, invited on a remote one.

Label Studio Community ignores the password given to its user API; its own
``reset_password`` command sets it. The password travels on that command's
stdin (never its arguments, which other users of the machine can read) and
is stored, when the workbench made it up, in a 0600 file under
``$WORKBENCH_HOME/annotators/``. It is never printed.

On a remote server that command is out of reach, and no API sets a password.
An account made through the API would have none, and would also block the
person from signing up under that email ("User with this email already
exists"), so nothing is created there: the person gets the organization's
invite link and signs up with the email, choosing their own password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import (
    AuthError,
    ConfigError,
    InputError,
    ServerError,
    ServerUnreachable,
    StudioError,
)
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.roles import set_role
from workbench.studio.client import Studio
from workbench.studio.server import ManagedServer

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Annotator:
    email: str
    user_id: int | None  # None: no account yet (a remote server's invitee)
    created: bool
    password_set: bool  # a new account, or --reset-password
    role: str | None  # the role given, when one was
    role_changed: bool
    login_url: str
    password_file: Path | None  # where a generated password was stored
    invite_url: str | None = None  # remote, no account yet: where the person signs up
    remote: bool = False


# What a remote server's administrator does for a password (no API can).
RESET_ON_HOST = ("an administrator sets it on the server's host: label-studio reset_password "
                 "--username {email} (with the server's data dir and database settings)")


def add_annotator(settings: Settings, studio: Studio, email: str, *,
                  password_file: Path | None = None, reset_password: bool = False,
                  role: str | None = None) -> Annotator:
    """Create the account with a password (from ``password_file``, or a new one).

    An existing account is left as it is, password and all, unless
    ``reset_password``: re-running the command must not lock a working annotator
    out. ``role`` records who adjudicates (``store.roles``).
    """
    if not _EMAIL.match(email):
        raise InputError(f"not an email address: {email!r}")
    if not settings.managed:
        return _invite(settings, studio, email, role=role, password_file=password_file,
                       reset_password=reset_password)
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


def _invite(settings: Settings, studio: Studio, email: str, *, role: str | None,
            password_file: Path | None, reset_password: bool) -> Annotator:
    """A remote server: the invite link for a newcomer; nothing to make for a member."""
    if password_file is not None or reset_password:
        raise ConfigError(f"Label Studio has no API to set a password, so --password-file and "
                          f"--reset-password work on the managed server only: on {studio.url} "
                          f"people choose their own when they sign up; to reset one, "
                          + RESET_ON_HOST.format(email=email))
    existing = {u["email"].lower(): u["id"] for u in studio.users() if u["email"]}
    user_id = existing.get(email.lower())
    invite = None
    if user_id is None:
        try:
            invite = studio.invite_url()
        except (AuthError, ServerUnreachable):
            raise
        except StudioError as error:
            raise StudioError(f"{error}; an administrator can copy the invite link from "
                              f"{studio.url}/organization (Add Members) and send it to "
                              f"{email}") from None
    role_changed = set_role(settings, email, role) if role else False
    return Annotator(email=email, user_id=user_id, created=False, password_set=False,
                     role=role, role_changed=role_changed,
                     login_url=f"{studio.url}/user/login/", password_file=None,
                     invite_url=invite, remote=True)


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
