"""Django settings and URLs that keep the managed Label Studio off the network.

Label Studio 1.23's login page asks its own server for "Heidi tips", which it
fetches from raw.githubusercontent.com on every visit. The managed server runs
with ``DJANGO_SETTINGS_MODULE=workbench.studio.offline.settings``: Label
Studio's settings unchanged, except URLs that answer that route locally, and, for a
server bound to loopback, calls to 127.0.0.1 let through (``networks``).
"""
