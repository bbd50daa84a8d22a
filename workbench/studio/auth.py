"""API keys: keeping a personal access token working, and saying what to do when it stops.

Label Studio 1.23 takes two kinds of key. A legacy token (40 hex digits) is sent
as it is, where the organization still allows legacy tokens (new ones do not).
A personal access token is a JWT refresh token: it is exchanged at
``/api/token/refresh/`` for an access token that lives 5 minutes. The SDK does
that exchange itself, but it judges expiry by this machine's clock against the
server's timestamps, with no margin, and never retries a refused request with
a fresh token: a clock a minute slow, or a request sent in a token's last
second, fails with 401. So ``AccessTokens`` renews the SDK's cached token here,
by the lifetime the server granted as measured on a monotonic clock, a margin
before its end, and once more when the server refuses one anyway.

Nothing here logs or repeats a key: messages carry the server's reason only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import httpx

from workbench.errors import AuthError

REFRESH_PATH = "/api/token/refresh/"


def remote_hint(url: str) -> str:
    """What a person does about a refused key for a server of their team's."""
    return (f"create a new personal access token in Label Studio (Account & Settings, "
            f"{url}/user/account/ > Personal Access Token) and set "
            f"WORKBENCH_LABEL_STUDIO_API_KEY to it")


KeyKind = Literal["legacy", "personal", "access"]


def key_kind(api_key: str) -> KeyKind:
    """What the key is, read from it without checking its signature."""
    claims = _claims(api_key)
    if claims is None:
        return "legacy"
    return "personal" if claims.get("token_type") == "refresh" else "access"


def refused(url: str, reason: Any, hint: str) -> AuthError:
    """The one-line error for a key the server will not take."""
    detail = _reason(reason)
    return AuthError(f"Label Studio at {url} refused the API key"
                     + (f" ({detail})" if detail else "") + f": {hint}")


def check_key(url: str, api_key: str, hint: str) -> KeyKind:
    """The key's kind; an access token or a key with no future is refused at once."""
    kind = key_kind(api_key)
    if kind == "access":
        raise AuthError(f"the API key for {url} is a short-lived access token, not a personal "
                        f"access token: {hint}")
    if kind == "personal":
        expires = (_claims(api_key) or {}).get("exp")
        problem = ("the token has no expiry" if not isinstance(expires, int | float)
                   else "the token has expired" if expires < time.time() else None)
        if problem:
            raise AuthError(f"the API key for {url} is not usable ({problem}): {hint}")
    return kind


class AccessTokens:
    """Keeps the SDK's access token fresh for a personal access token; idle for a legacy one
    (``personal`` False).

    ``sdk_tokens`` is the SDK's token cache (``TokensClientExt``, label-studio-sdk 2.1.2);
    ``clock`` measures an access token's age (tests pass their own).
    """

    def __init__(self, *, url: str, api_key: str, personal: bool, sdk_tokens: Any,
                 http: httpx.Client, hint: str, clock: Callable[[], float] = time.monotonic,
                 margin: float = 30.0):
        self.url, self.hint, self.personal = url, hint, personal
        self._key, self._sdk, self._http = api_key, sdk_tokens, http
        self._clock, self._margin = clock, margin
        self._renew_at: float | None = None  # on self._clock; None: no token held
        self.refreshes = 0

    def ensure(self) -> None:
        """Renew the access token when it is near its end (or none is held yet).

        A refusal raises ``AuthError``; a transient failure raises the ``ApiError`` or
        ``httpx`` error the client retries.
        """
        if not self.personal or (self._renew_at is not None
                                 and self._clock() < self._renew_at):
            return
        self._refresh()

    def forget(self) -> None:
        """The server refused the access token: the next ``ensure`` gets a new one."""
        self._renew_at = None

    def _refresh(self) -> None:
        from label_studio_sdk.core.api_error import ApiError

        asked = self._clock()
        response = self._http.post(self.url + REFRESH_PATH, json={"refresh": self._key},
                                   headers={"content-type": "application/json"})
        body = response_body(response)
        if response.status_code in (401, 403):
            raise refused(self.url, body, self.hint)
        access = body.get("access") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(access, str):
            raise ApiError(status_code=response.status_code, headers=dict(response.headers),
                           body=body)
        claims = _claims(access) or {}
        lifetime = float(claims.get("exp", 0)) - float(claims.get("iat", 0))
        lifetime = lifetime if lifetime > 0 else 60.0  # no times in it: renew each minute
        self._renew_at = asked + max(lifetime - self._margin, lifetime / 2)
        self._sdk._set_access_token(access)  # the SDK sends it from now on
        self.refreshes += 1


def _claims(token: str) -> dict[str, Any] | None:
    import jwt  # PyJWT, a dependency of label-studio-sdk

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    return claims if isinstance(claims, dict) else None


def response_body(response: httpx.Response) -> Any:
    """The answer's JSON, else its text."""
    try:
        return response.json()
    except ValueError:
        return response.text


def _reason(body: Any) -> str:
    """The server's reason on one short line: never the request, never a key."""
    if isinstance(body, dict):
        body = body.get("detail") or body.get("error") or ""
    if not isinstance(body, str) or "<html" in body.lower():
        return ""
    return " ".join(body.split())[:160].rstrip(".")
