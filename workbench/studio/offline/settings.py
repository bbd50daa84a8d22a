"""Label Studio's own settings, with our URL table in front of its own."""

# Label Studio's settings module reads django.conf.settings while it loads (Sentry,
# versions), so Django first builds settings from this module half-loaded: what
# those reads need must be here already. The complete module replaces them.
from core.settings.base import *  # noqa: F403

SENTRY_DSN = ""
from label_studio.core.settings.label_studio import *  # noqa: E402, F403

ROOT_URLCONF = "workbench.studio.offline.urls"

# `workbench watch` hears the project's webhooks on 127.0.0.1. Label Studio's guard against
# requests to internal addresses (SSRF) bans all of loopback; a server bound to loopback, that
# only this machine reaches, may call 127.0.0.1 (any port: nothing a person here could not do
# directly). Every other network Label Studio bans stays banned, with the user's own additions.
import os  # noqa: E402

from workbench.studio.offline.networks import CALLS_LOOPBACK, banned_but_loopback  # noqa: E402

if os.environ.get(CALLS_LOOPBACK) == "1":
    USE_DEFAULT_BANNED_SUBNETS = False
    USER_ADDITIONAL_BANNED_SUBNETS = [*banned_but_loopback(),
                                      *USER_ADDITIONAL_BANNED_SUBNETS]  # noqa: F405
