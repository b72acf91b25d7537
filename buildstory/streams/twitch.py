"""A small Twitch Helix client: app access token and live streams, cached in process.

Standard library only (urllib). The token comes from the client-credentials grant
(``POST {auth_base}/token``) and is reused until shortly before it expires; a 401 from
Helix drops it and retries once. ``live_streams`` asks ``GET {api_base}/streams`` for the
followed categories (``game_id``) and the participants (``user_login``), at most 100
logins per request, and caches each answer for 60 seconds. Any failure raises
``TwitchUnavailable``; the caller shows the page without live status. A failure is
remembered for a few seconds so a Twitch outage does not slow every page view.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

DEFAULT_API_BASE = "https://api.twitch.tv/helix"
DEFAULT_AUTH_BASE = "https://id.twitch.tv/oauth2"
CACHE_SECONDS = 60
FAILURE_SECONDS = 15
BATCH = 100
TIMEOUT = 3.0


class TwitchUnavailable(RuntimeError):
    """Twitch could not be asked (network, HTTP error or a malformed answer)."""


@dataclass(frozen=True)
class LiveStream:
    """What the streams page shows of a live stream (text only, no images)."""

    user_login: str
    user_name: str
    game_id: str
    game_name: str
    title: str
    viewer_count: int


class HelixClient:
    """Helix API access for one set of credentials; thread-safe, with its own caches."""

    def __init__(self, client_id: str, client_secret: str, *, api_base: str = DEFAULT_API_BASE,
                 auth_base: str = DEFAULT_AUTH_BASE, timeout: float = TIMEOUT,
                 clock=time.monotonic):
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_base = api_base.rstrip("/")
        self.auth_base = auth_base.rstrip("/")
        self.timeout = timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None
        self._cache: dict[tuple, tuple[float, list[LiveStream]]] = {}
        self._failed_until = 0.0

    # --- HTTP ---------------------------------------------------------------------------
    def _request(self, request: urllib.request.Request) -> dict:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError:
            raise
        except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
            raise TwitchUnavailable(str(exc)) from exc

    def _fetch_token(self) -> str:
        body = urllib.parse.urlencode({"client_id": self.client_id,
                                       "client_secret": self.client_secret,
                                       "grant_type": "client_credentials"}).encode()
        request = urllib.request.Request(f"{self.auth_base}/token", data=body, method="POST")
        try:
            answer = self._request(request)
        except urllib.error.HTTPError as exc:
            raise TwitchUnavailable(f"token request failed: HTTP {exc.code}") from exc
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise TwitchUnavailable("token answer without access_token")
        lifetime = answer.get("expires_in")
        lifetime = lifetime if isinstance(lifetime, int) and lifetime > 0 else 3600
        # Renew a minute early (or halfway, for very short lifetimes).
        self._token = (token, self.clock() + max(lifetime - 60, lifetime / 2))
        return token

    def _access_token(self) -> str:
        if self._token and self._token[1] > self.clock():
            return self._token[0]
        return self._fetch_token()

    def _get_streams(self, game_ids: list[str], logins: list[str]) -> list[LiveStream]:
        query = urllib.parse.urlencode([("first", "100"), *[("game_id", g) for g in game_ids],
                                        *[("user_login", u) for u in logins]])
        for attempt in (1, 2):
            request = urllib.request.Request(
                f"{self.api_base}/streams?{query}",
                headers={"Client-Id": self.client_id,
                         "Authorization": f"Bearer {self._access_token()}"})
            try:
                answer = self._request(request)
                break
            except urllib.error.HTTPError as exc:
                if exc.code == 401 and attempt == 1:
                    self._token = None  # revoked or expired early: fetch a new one once
                    continue
                raise TwitchUnavailable(f"streams request failed: HTTP {exc.code}") from exc
        return _parse_streams(answer)

    # --- public -------------------------------------------------------------------------
    def live_streams(self, game_ids, logins) -> dict[str, LiveStream]:
        """Return ``{login: stream}`` for participants live now in a followed category.

        Raises TwitchUnavailable. Answers are cached per batch for 60 seconds.
        """
        games = sorted({str(g) for g in game_ids})
        names = sorted({u.lower() for u in logins if u})
        if not games or not names:
            return {}
        live: dict[str, LiveStream] = {}
        with self._lock:
            now = self.clock()
            if self._failed_until > now:
                raise TwitchUnavailable("Twitch failed a moment ago")
            try:
                for start in range(0, len(names), BATCH):
                    batch = names[start:start + BATCH]
                    for stream in self._cached_batch(tuple(games), tuple(batch), now):
                        live[stream.user_login] = stream
            except TwitchUnavailable:
                self._failed_until = now + FAILURE_SECONDS
                raise
        return live

    def _cached_batch(self, games: tuple, batch: tuple, now: float) -> list[LiveStream]:
        key = (games, batch)
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        streams = [s for s in self._get_streams(list(games), list(batch))
                   if s.game_id in games and s.user_login in batch]
        self._prune(now)
        self._cache[key] = (now + CACHE_SECONDS, streams)
        return streams

    def _prune(self, now: float) -> None:
        for key in [k for k, (expires, _) in self._cache.items() if expires <= now]:
            del self._cache[key]


def _parse_streams(answer) -> list[LiveStream]:
    """Return the live streams of a Helix ``/streams`` answer (raises on a bad shape)."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        raise TwitchUnavailable("streams answer without data")
    streams = []
    for item in data:
        if not isinstance(item, dict) or item.get("type", "live") != "live":
            continue
        login = str(item.get("user_login") or "").lower()
        if not login:
            continue
        viewers = item.get("viewer_count")
        streams.append(LiveStream(
            user_login=login, user_name=str(item.get("user_name") or login),
            game_id=str(item.get("game_id") or ""), game_name=str(item.get("game_name") or ""),
            title=str(item.get("title") or ""),
            viewer_count=viewers if isinstance(viewers, int) else 0))
    return streams
