"""Shared fixtures. The session's real Label Studio is started here, once, on a free port."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from helpers import missing
from servers import free_port
from ui import ARTIFACTS, CHROMIUM

from workbench.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What Label Studio would read from a careless shell; the managed server must ignore it.
STRAY_ENVIRONMENT = {"HOST": "0.0.0.0", "PORT": "9", "USERNAME": "intruder@example.com",
                     "PASSWORD": "intruder-password", "LABEL_STUDIO_USERNAME": "intruder@x.org"}


@pytest.fixture
def seeds_dir() -> Path:
    return ROOT / "seeds"


@pytest.fixture
def ingest_fixtures() -> Path:
    return FIXTURES / "ingest"


class OutboundTrap:
    """A proxy that answers nothing and remembers every connection made to it.

    The session's Label Studio gets it as HTTP(S)_PROXY: any call it makes to the
    outside world (telemetry, version checks, error reports) lands here.
    """

    def __init__(self):
        import socket
        import threading

        self.connections: list[bytes] = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client:
                client.settimeout(2)
                try:
                    self.connections.append(client.recv(200))
                except OSError:
                    self.connections.append(b"")

    @property
    def environment(self) -> dict[str, str]:
        return {"HTTP_PROXY": self.url, "HTTPS_PROXY": self.url, "http_proxy": self.url,
                "https_proxy": self.url, "NO_PROXY": "", "no_proxy": ""}


@pytest.fixture(scope="session")
def outbound_trap() -> OutboundTrap:
    return OutboundTrap()


@pytest.fixture(scope="session")
def server_settings(tmp_path_factory, outbound_trap) -> Settings:
    """Settings of a real managed Label Studio, started once for the session."""
    from workbench.studio.server import ManagedServer

    settings = Settings(home=tmp_path_factory.mktemp("workbench-home"), port=free_port(),
                        _env_file=None)
    started_with = {**STRAY_ENVIRONMENT, **outbound_trap.environment}
    saved = {key: os.environ.get(key) for key in started_with}
    os.environ.update(started_with)
    try:
        ManagedServer(settings).start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield settings
    ManagedServer(settings).stop()


@pytest.fixture
def settings(server_settings, tmp_path) -> Settings:
    """The session server, with a project and an exports folder of this test's own."""
    return server_settings.model_copy(update={"project": f"test-{uuid.uuid4().hex[:10]}",
                                              "exports": tmp_path / "exports"})


@pytest.fixture
def studio(settings):
    from workbench.studio.client import connect

    return connect(settings, start=False)


@pytest.fixture
def cli_env(settings) -> dict[str, str]:
    """The environment a `workbench` command needs to reach the session server."""
    return {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port),
            "WORKBENCH_PROJECT": settings.project, "WORKBENCH_EXPORTS": str(settings.exports),
            "WORKBENCH_LABEL_STUDIO_URL": None, "WORKBENCH_LABEL_STUDIO_API_KEY": None}


@pytest.fixture
def ls_client(settings):
    """label-studio-sdk's own client on the session server, to read back and annotate."""
    from label_studio_sdk import LabelStudio

    from workbench.studio.server import ManagedServer

    token = ManagedServer(settings).credentials().token.get_secret_value()
    return LabelStudio(base_url=f"http://127.0.0.1:{settings.port}", api_key=token)


def annotator_client(settings: Settings, email: str, password: str):
    """An SDK client acting as an annotator: logs in through the web form, takes the user's
    own API token, as a person would from their account page."""
    import re

    import httpx
    from label_studio_sdk import LabelStudio

    base = f"http://127.0.0.1:{settings.port}"
    with httpx.Client(base_url=base, follow_redirects=True) as browser:
        page = browser.get("/user/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        browser.post("/user/login/", data={"csrfmiddlewaretoken": csrf, "email": email,
                                           "password": password},
                     headers={"Referer": f"{base}/user/login/"})
        token = browser.get("/api/current-user/token").json()["token"]
    return LabelStudio(base_url=base, api_key=token)


@pytest.fixture(scope="session")
def annotators(server_settings, tmp_path_factory):
    """Annotator accounts on the session server, ana, ben and cy, and dee who adjudicates:
    {name: SDK client acting as them}.

    Accounts are server-wide, so they are made once; each test works in its own project.
    """
    from workbench.studio.annotators import add_annotator
    from workbench.studio.client import connect

    studio = connect(server_settings, start=False)
    folder = tmp_path_factory.mktemp("passwords")
    clients = {}
    for name in ("ana", "ben", "cy", "dee"):
        secret = folder / f"{name}.pw"
        secret.write_text(f"{name}-secret-password\n")
        add_annotator(server_settings, studio, f"{name}@example.org", password_file=secret,
                      role="adjudicator" if name == "dee" else None)
        clients[name] = annotator_client(server_settings, f"{name}@example.org",
                                         f"{name}-secret-password")
    return clients


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright; once for the session. Without it
    the browser tests are skipped, saying why (in CI, CI=true, they fail)."""
    if not Path(CHROMIUM).exists():
        missing("Chromium is not installed (apt-get install chromium chromium-driver); "
                "the browser tests need it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install 'workbench[test]')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items):
    """A test is marked ``server`` exactly when it uses the session's Label Studio, so
    ``-m "not server"`` runs every offline test and nothing else."""
    for item in items:
        if "server_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)
