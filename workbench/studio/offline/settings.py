"""Label Studio's own settings, with our URL table in front of its own."""

# Label Studio's settings module reads django.conf.settings while it loads (Sentry,
# versions), so Django first builds settings from this module half-loaded: what
# those reads need must be here already. The complete module replaces them.
from core.settings.base import *  # noqa: F403

SENTRY_DSN = ""
from label_studio.core.settings.label_studio import *  # noqa: E402, F403

ROOT_URLCONF = "workbench.studio.offline.urls"

# `workbench watch` hears the project's webhooks on 127.0.0.1. Label Studio's guard against
# requests to internal addresses (SSRF) bans all of loopback; this lets that one address
# through and bans every other network Label Studio bans (its list, core/utils/io.py's
# validate_ip in 1.23.2; tests/test_watch.py checks a few stay refused).
from workbench.studio.offline.networks import banned_but_loopback  # noqa: E402

USE_DEFAULT_BANNED_SUBNETS = False
USER_ADDITIONAL_BANNED_SUBNETS = banned_but_loopback()
