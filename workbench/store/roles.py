"""Who may decide in the review round: the adjudicators.

Label Studio Community has no roles, so the workbench keeps them: the
``WORKBENCH_ADJUDICATORS`` setting, and ``$WORKBENCH_HOME/roles.json``, which
``workbench annotators add EMAIL --role adjudicator`` writes. Only an
adjudicator's submission in the review project becomes an article's decision.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.errors import InputError
from workbench.settings import Settings
from workbench.store.atomic import write_text

ROLES = ("annotator", "adjudicator")


def roles_path(settings: Settings) -> Path:
    return settings.home / "roles.json"


def adjudicators(settings: Settings) -> set[str]:
    """Everyone named as adjudicator, by the setting or the roles file (emails, lowercase)."""
    return {e.lower() for e in settings.adjudicators} | set(_read(settings).get("adjudicator",
                                                                               []))


def set_role(settings: Settings, email: str, role: str) -> bool:
    """Give ``email`` the role (one role per person); True when that changed anything."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose {' or '.join(ROLES)}")
    email = email.lower()
    roles = _read(settings)
    before = {name: sorted(people) for name, people in roles.items()}
    for name in ROLES:
        people = set(roles.get(name, [])) - {email}
        if name == role:
            people.add(email)
        roles[name] = sorted(people)
    if roles == before:
        return False
    write_text(roles_path(settings), json.dumps(roles, indent=2, sort_keys=True) + "\n")
    return True


def _read(settings: Settings) -> dict[str, list[str]]:
    path = roles_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a roles file ({error})") from None
    if not isinstance(data, dict) or not all(
            isinstance(v, list) and all(isinstance(e, str) for e in v) for v in data.values()):
        raise InputError(f"{path}: expected {{\"adjudicator\": [emails]}}")
    return data
