"""Comprasnet Contratos client: the few public routes the mirror needs, over the shared HTTP machinery.

A failure raises a typed error (UpstreamUnavailable/Timeout/Rejected/Malformed); it is never an empty list.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from espelho.config import Settings
from espelho.errors import UpstreamMalformed
from espelho.upstream.http import UpstreamHttp, upstream_http

UPSTREAM = "comprasnet"


class LinkGone(Exception):
    """A stored tab link answered 404: the caller refreshes the contract for a fresh link."""


class ComprasnetClient:
    def __init__(self, settings: Settings, *, http: UpstreamHttp | None = None) -> None:
        self.list_timeout_s = settings.comprasnet_list_timeout_s
        self.child_timeout_s = settings.comprasnet_child_timeout_s
        # The upstream copes with a handful of parallel requests per client (one project runs 6).
        self.http = http or upstream_http(UPSTREAM, settings, max_in_flight=8)

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def close(self) -> None:
        self.http.close()

    def contratos_da_uasg(self, uasg: str) -> list[Any]:
        """GET /contrato/ug/{uasg}: every instrument of the UASG, in one (slow, unpaginated) answer."""
        response = self.http.get(f"contrato/ug/{uasg}", timeout_s=self.list_timeout_s)
        return _json_array(response.json(), response.url)

    def contratos_inativos_da_uasg(self, uasg: str) -> list[Any]:
        """GET /contrato/inativo/ug/{uasg}: the UASG's inactive instruments (same shape, small)."""
        response = self.http.get(f"contrato/inativo/ug/{uasg}", timeout_s=self.list_timeout_s)
        return _json_array(response.json(), response.url)

    def contrato(self, contrato_id: int) -> dict[str, Any] | None:
        """GET /contrato/id/{id}; None when the upstream no longer knows the contract."""
        response = self.http.get(f"contrato/id/{contrato_id}", accept_statuses=(404,))
        if response.status_code == 404 or response.is_empty:
            return None
        data = response.json()
        if isinstance(data, list):  # some deployments answer a one-element list
            data = data[0] if data else None
        if data is not None and not isinstance(data, dict):
            raise UpstreamMalformed(
                "contract answer is not a JSON object", upstream=UPSTREAM, url=response.url
            )
        return data

    def aba(self, url: str) -> list[Any]:
        """GET a tab (historico, empenhos, itens, arquivos) by its link, rebased onto the configured base
        URL (see `rebase`); raises LinkGone on 404."""
        url = self.rebase(url)
        response = self.http.get(url, accept_statuses=(404,), timeout_s=self.child_timeout_s)
        if response.status_code == 404:
            raise LinkGone(url)
        return _json_array(response.json(), response.url)

    def rebase(self, link: str) -> str:
        """An upstream link on the configured base URL: the path after the API root (`/api/`) is kept,
        with its query, and the scheme, host and root are the configured ones. Real payloads name the
        production host; a proxy, a staging copy or the simulator must still get the call. A link with no
        API root in its path is refused (raises LinkGone) rather than followed elsewhere."""
        parts = urlsplit(link.strip())
        path = parts.path
        marker = "/api/"
        at = path.rfind(marker + "contrato/")
        at = path.find(marker) if at < 0 else at
        if at < 0:
            if not parts.scheme and not parts.netloc:  # a relative path: already under the root
                return self.http.url(path)
            raise LinkGone(link)
        tail = path[at + len(marker):]
        rebased = f"{self.base_url}/{tail.lstrip('/')}"
        return f"{rebased}?{parts.query}" if parts.query else rebased

    def aba_url(self, contrato_id: int, aba: str) -> str:
        """The documented route of a tab, for contracts stored without links."""
        return self.http.url(f"contrato/{contrato_id}/{aba}")


def _json_array(data: Any, url: str) -> list[Any]:
    if not isinstance(data, list):
        raise UpstreamMalformed(
            f"expected a JSON array, got {type(data).__name__}", upstream=UPSTREAM, url=url
        )
    return data


_clients: dict[tuple[Any, ...], ComprasnetClient] = {}
_clients_lock = threading.Lock()


def get_client(settings: Settings) -> ComprasnetClient:
    """One client (connection pool, rate limiter) per process and configuration."""
    key = (
        settings.comprasnet_base_url,
        settings.comprasnet_list_timeout_s,
        settings.comprasnet_child_timeout_s,
        settings.comprasnet_max_attempts,
        settings.comprasnet_backoff_s,
        settings.comprasnet_rate_limit,
        settings.redis_url,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = ComprasnetClient(settings)
        return client
