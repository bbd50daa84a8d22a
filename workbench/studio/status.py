"""Is Label Studio up, and what do its projects hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.settings import Settings
from workbench.studio.client import ProjectInfo, connect
from workbench.studio.server import ManagedServer, healthy, label_studio_version


@dataclass
class ServerStatus:
    url: str
    managed: bool
    up: bool
    version: str | None = None
    projects: list[ProjectInfo] = field(default_factory=list)


def server_status(settings: Settings) -> ServerStatus:
    """Never starts a server: reports what is there."""
    if settings.managed:
        managed = ManagedServer(settings)
        info = managed.running()
        status = ServerStatus(url=managed.url, managed=True, up=info is not None,
                              version=info.version if info else label_studio_version())
    else:
        assert settings.label_studio_url is not None  # not managed: a remote server's URL
        url = settings.label_studio_url.rstrip("/")
        status = ServerStatus(url=url, managed=False, up=healthy(url))
    if status.up:
        studio = connect(settings, start=False)
        status.projects = studio.projects()
        if not status.managed:
            status.version = studio.version()
    return status
