"""Label Studio's own settings, with our URL table in front of its own."""

# Label Studio's settings module reads django.conf.settings while it loads (Sentry,
# versions), so Django first builds settings from this module half-loaded: what
# those reads need must be here already. The complete module replaces them.
from core.settings.base import *  # noqa: F403

SENTRY_DSN = ""
from label_studio.core.settings.label_studio import *  # noqa: E402, F403

ROOT_URLCONF = "workbench.studio.offline.urls"
