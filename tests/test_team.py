"""Remote mode: a Label Studio the team runs, reached with personal access tokens.

The session's second Label Studio is started the way a team starts one: plain
`label-studio start` with its own data dir and port on 127.0.0.1, on PostgreSQL when
its binaries are here, the admin made at first start, legacy tokens left off (as
Label Studio 1.23 leaves new organizations). People join through the invite link and
each makes a personal access token, as in the web UI; the workbench gets the URL and
the maintainer's token, nothing else.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from contextlib import ExitStack

import httpx
import pytest
from builders import choice, synthetic_articles
from click.testing import CliRunner
from helpers import missing
from pydantic import SecretStr
from servers import (
    TeamServer,
    create_token,
    postgres_bin,
    postgres_cluster,
    revoke_token,
    sign_up,
    team_server,
)

from workbench.cli import cli
from workbench.errors import AuthError
from workbench.settings import Settings
from workbench.store.roles import adjudicators
from workbench.studio.client import Studio, connect

pytestmark = [pytest.mark.server,  # the SDK's own token refresh, in the people's clients:
              pytest.mark.filterwarnings("ignore:The `parse_obj` method is deprecated")]


@pytest.fixture(scope="session")
def team(tmp_path_factory, outbound_trap) -> TeamServer:
    """A Label Studio started as a team would (see the module's docstring), for the session;
    its calls to the outside world land in the trap."""
    if postgres_bin() is None and os.environ.get("CI", "").lower() == "true":
        missing("no PostgreSQL server binary (pg_ctl): the team server runs on it")
    with ExitStack() as stack:
        database = stack.enter_context(postgres_cluster()) if postgres_bin() else None
        yield stack.enter_context(team_server(tmp_path_factory.mktemp("team"),
                                              database=database,
                                              extra_env=outbound_trap.environment))


@pytest.fixture(scope="session")
def admin_token(team) -> str:
    """The maintainer's personal access token, made as in Account & Settings."""
    with team.login() as admin:
        return create_token(admin)


@pytest.fixture(scope="session")
def people(team) -> dict[str, str]:
    """ana, ben and dee, signed up through the invite link: {name: personal access token}."""
    return {name: team.sign_up(f"{name}@team.example", f"{name}-team-passphrase")
            for name in ("ana", "ben", "dee")}


@pytest.fixture
def remote(team, admin_token, tmp_path) -> Settings:
    """Workbench settings pointing at the team server, with a project of the test's own."""
    return Settings(home=tmp_path / "home", exports=tmp_path / "exports",
                    project=f"team-{uuid.uuid4().hex[:10]}", label_studio_url=team.url,
                    label_studio_api_key=SecretStr(admin_token), _env_file=None)


def _env(settings: Settings, api_key: str | None = None) -> dict[str, str]:
    key = api_key or settings.label_studio_api_key.get_secret_value()
    return {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_EXPORTS": str(settings.exports),
            "WORKBENCH_PROJECT": settings.project, "WORKBENCH_PORT": None,
            "WORKBENCH_LABEL_STUDIO_URL": settings.label_studio_url,
            "WORKBENCH_LABEL_STUDIO_API_KEY": key}


def _run(settings: Settings, *args: str, api_key: str | None = None):
    return CliRunner().invoke(cli, list(args), env=_env(settings, api_key))


def _person(team: TeamServer, token: str):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=team.url, api_key=token)


def _annotate(client, task_id: int, crime_types: list[str], stance: str) -> None:
    client.annotations.create(id=task_id, result=[choice("crime_types", *crime_types),
                                                  choice("stance", stance)])


def _tasks(client, title: str) -> dict[str, int]:
    """{article id: task id} of the project with this title."""
    project = next(p for p in client.projects.list() if p.title == title)
    return {t.meta["article_id"]: t.id for t in client.tasks.list(project=project.id)}


def test_the_team_server_takes_personal_access_tokens_only(team, admin_token):
    with team.login() as admin:
        assert admin.get("/api/jwt/settings").json() == {
            "api_tokens_enabled": True, "legacy_api_tokens_enabled": False}
        legacy = admin.get("/api/current-user/token").json()["token"]
    with pytest.raises(AuthError, match=r"refused the API key \(Authentication token no "
                                        r"longer valid: legacy token authentication"):
        Studio(url=team.url, api_key=legacy).whoami()
    assert Studio(url=team.url, api_key=admin_token).whoami() == team.admin_email
    if postgres_bin():
        assert team.database == "PostgreSQL"
        assert not (team.data_dir / "label_studio.sqlite3").exists()


def test_push_pull_review_and_sync_with_a_personal_access_token(team, remote, people,
                                                                seeds_dir):
    pushed = _run(remote, "push", str(seeds_dir), "--silent")
    assert pushed.exit_code == 0, pushed.output
    assert "5 tasks created" in pushed.stdout
    ana, ben, dee = (_person(team, people[name]) for name in ("ana", "ben", "dee"))
    tasks = _tasks(ana, remote.project)
    disputed = sorted(tasks)[0]
    for article, task_id in tasks.items():
        _annotate(ana, task_id, ["human_trafficking"], "critical")
        _annotate(ben, task_id, ["human_trafficking"],
                  "supportive" if article == disputed else "critical")

    pulled = _run(remote, "pull")
    assert pulled.exit_code == 0, pulled.output
    assert "5 tasks, 10 annotations (0 cancelled/skipped) by 2 annotators" in pulled.stdout
    added = _run(remote, "annotators", "add", "dee@team.example", "--role", "adjudicator")
    assert added.exit_code == 0, added.output
    assert "dee@team.example: already has an account. Log in at" in added.stdout
    sent = _run(remote, "review", "push")
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.startswith("1 disputed article: 1 sent to review")

    review_task = _tasks(dee, f"{remote.project} (review)")[disputed]
    _annotate(dee, review_task, ["human_trafficking"], "critical")
    decided = _run(remote, "review", "pull")
    assert decided.exit_code == 0, decided.output
    assert "1 article adjudicated" in decided.stdout

    synced = _run(remote, "sync", str(seeds_dir), "--silent")
    assert synced.exit_code == 0, synced.output
    assert ("Articles: 5 in the project, 5 annotated, 4 agreed, 1 adjudicated, 0 awaiting "
            "review, 0 awaiting annotations") in synced.stdout
    assert "Wrote gold version" in synced.stdout
    assert f"Annotate: {team.url}/projects/" in synced.stdout
    assert "Log in as" not in synced.stdout  # that is the managed server's admin

    status = _run(remote, "server", "status")
    assert status.exit_code == 0, status.output
    assert status.stdout.startswith(f"Label Studio (remote) is up: {team.url}, version 1.23.2")
    assert f"{remote.project!r}: 5 tasks, 10 annotations" in status.stdout


def test_each_pull_leaves_an_export_file_on_the_team_server(team, remote, seeds_dir):
    """Label Studio keeps a file of every export snapshot, deleted or not; the workbench
    removes them only from the managed server's data dir. docs/team.md has the cleanup job
    a team server needs."""
    from workbench.studio.pull import pull
    from workbench.studio.push import push

    studio = connect(remote)
    project_id = push([seeds_dir], settings=remote, studio=studio).project_id
    folder = team.data_dir / "media" / "export" / str(project_id)
    pull(remote, studio)
    pull(remote, studio)  # nothing changed: no new raw pull here, a new file there
    assert len(list(folder.glob(f"project-{project_id}-at-*.json"))) == 2


def _expired_token() -> str:
    import jwt

    return jwt.encode({"token_type": "refresh", "exp": int(time.time()) - 60,
                       "iat": int(time.time()) - 3600, "user_id": "1"}, "x" * 32)


@pytest.mark.parametrize("key", ["revoked", "expired", "not-a-token"])
def test_a_refused_token_is_one_error_line(team, remote, key):
    if key == "revoked":
        token = team.sign_up(f"gone-{uuid.uuid4().hex[:6]}@team.example", "gone-passphrase-1")
        assert Studio(url=team.url, api_key=token).whoami().startswith("gone-")
        revoke_token(team.url, token)
    else:
        token = _expired_token() if key == "expired" else "0" * 40
    result = _run(remote, "pull", api_key=token)
    assert result.exit_code == 1
    assert result.stdout == ""
    last = result.stderr.splitlines()[-1]
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [last]
    start = (f"Error: the API key for {team.url} is not usable (" if key == "expired" else
             f"Error: Label Studio at {team.url} refused the API key (")
    assert last.startswith(start)
    assert last.endswith(f"): create a new personal access token in Label Studio (Account & "
                         f"Settings, {team.url}/user/account/ > Personal Access Token) and "
                         f"set WORKBENCH_LABEL_STUDIO_API_KEY to it")
    reason = {"revoked": "(Token is blacklisted)", "expired": "(the token has expired)",
              "not-a-token": "(Invalid token)"}[key]
    assert reason in last
    assert token not in result.output and "Traceback" not in result.output


def _counting_client() -> tuple[httpx.Client, list[tuple[str, str, str]]]:
    """An httpx client that notes each request: method, path and a digest of its auth."""
    import hashlib

    seen: list[tuple[str, str, str]] = []

    def note(request: httpx.Request) -> None:
        auth = request.headers.get("authorization", "")
        seen.append((request.method, request.url.path,
                     hashlib.sha256(auth.encode()).hexdigest()[:8]))

    return httpx.Client(timeout=60, event_hooks={"request": [note]}), seen


def test_access_tokens_are_renewed_before_they_expire(team, admin_token):
    """Label Studio grants 5-minute access tokens: a clock that jumps 4.6 minutes makes the
    client renew before its next call, without being refused first."""
    now = [1000.0]
    client, seen = _counting_client()
    studio = Studio(url=team.url, api_key=admin_token, httpx_client=client,
                    clock=lambda: now[0])
    studio.whoami()
    studio.whoami()
    refreshes = [s for s in seen if s[1] == "/api/token/refresh/"]
    assert len(refreshes) == 1 and seen[0][1] == "/api/token/refresh/"
    now[0] += 276
    assert studio.whoami() == team.admin_email
    assert [s[1] for s in seen[-2:]] == ["/api/token/refresh/", "/api/current-user/whoami"]
    calls = [s for s in seen if s[1] == "/api/current-user/whoami"]
    assert calls[0][2] == calls[1][2] != calls[2][2]  # a new access token on the third


def test_an_access_token_refused_in_flight_is_renewed_once(team, admin_token):
    """Fault injected into the SDK's cache: an access token the server does not take (as
    when it expired on the way, or the clocks disagree). The call is sent again, once."""
    import jwt

    client, seen = _counting_client()
    studio = Studio(url=team.url, api_key=admin_token, httpx_client=client)
    studio.whoami()
    forged = jwt.encode({"token_type": "access", "exp": int(time.time()) + 300,
                         "iat": int(time.time()), "user_id": "1"}, "x" * 32)
    studio._client._client_wrapper._tokens_client._set_access_token(forged)
    del seen[:]
    assert studio.whoami() == team.admin_email
    assert [s[1] for s in seen] == ["/api/current-user/whoami", "/api/token/refresh/",
                                    "/api/current-user/whoami"]


def test_annotators_add_on_the_team_server_prints_the_invite_link(team, remote):
    email = f"newbie-{uuid.uuid4().hex[:6]}@team.example"
    added = _run(remote, "annotators", "add", email, "--role", "adjudicator")
    assert added.exit_code == 0, added.output
    first, second, third = added.stdout.splitlines()
    assert first.startswith(f"{email}: no account yet. Send them the invite link (it lets "
                            f"anyone join, so send it privately): {team.url}/user/signup/"
                            f"?token=")
    assert second == f"They sign up there with {email} and choose their own password."
    assert third == f"{email} is now an adjudicator"
    assert email in adjudicators(remote)

    link = first.rsplit(" ", 1)[1]
    sign_up(team.url, link, email, "a-newbie-passphrase").close()
    with team.login(email, "a-newbie-passphrase") as browser:
        assert browser.get("/api/current-user/whoami").json()["email"] == email
    listed = _run(remote, "annotators", "list")
    assert listed.exit_code == 0 and f"\t{email}\n" in listed.stdout
    again = _run(remote, "annotators", "add", email)
    assert again.stdout.splitlines()[0] == (f"{email}: already has an account. Log in at "
                                            f"{team.url}/user/login/")


def test_annotators_add_cannot_set_a_password_on_the_team_server(remote, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("some-password-1\n")
    for option in (["--password-file", str(secret)], ["--reset-password"]):
        result = _run(remote, "annotators", "add", "x@team.example", *option)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: Label Studio has no API to set a password")
        assert "label-studio reset_password --username x@team.example" in result.stderr
        assert result.stderr.count("\n") == 1


def test_an_account_made_through_the_api_could_not_sign_up(team):
    """Why `annotators add` makes no account on a remote server: an account made through
    the API has no password, and its email can no longer sign up."""
    email = f"pre-{uuid.uuid4().hex[:6]}@team.example"
    with team.login() as admin:
        assert admin.post("/api/users/", json={"username": email, "email": email,
                                               "password": "ignored-pass-1"}).status_code == 201
    with pytest.raises(RuntimeError, match="could not sign"):
        sign_up(team.url, team.invite_url(), email, "a-chosen-passphrase")


def test_the_workbench_does_not_start_or_stop_a_remote_server(remote):
    for verb in ("start", "stop"):
        result = _run(remote, "server", verb)
        assert result.exit_code == 1
        assert result.stderr == (f"Error: WORKBENCH_LABEL_STUDIO_URL points at a Label Studio "
                                 f"the workbench does not run ({remote.label_studio_url}): it "
                                 f"does not {verb} it; unset the variable to use the managed "
                                 f"server\n")


def test_sync_under_load_loses_and_doubles_nothing(team, admin_token, tmp_path):
    """bench/load.py in short: 3 people for about 10 s while sync runs back to back."""
    from workload import run_load, sign_up_people

    people = sign_up_people(team, 3, prefix=f"load-{uuid.uuid4().hex[:4]}")
    articles = synthetic_articles(tmp_path / "articles.jsonl", 30, size=1500)
    result = run_load(team, people, admin_token, tmp_path, articles=articles, duration=10,
                      project=f"load-{uuid.uuid4().hex[:8]}", pace=(0.5, 1.5))
    summary = json.dumps({"created": result.created, "updated": result.updated,
                          "errors": result.errors, "during": result.during.__dict__,
                          "final": result.final.__dict__, "gold": result.gold})
    assert result.ok, summary
    assert result.created >= 5 and result.syncs, summary
    assert result.final.expected == result.created  # each new annotation, once
    assert result.final.unknown == 0 and not result.errors, summary
