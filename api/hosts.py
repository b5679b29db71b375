"""Allowed hosts: refuse requests whose Host header names a host we do not serve.

Litestar's AllowedHostsConfig matches the whole header, port included, so `localhost:8000` would need
an entry per port; this compares the host name alone.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send


def allowed_hosts_middleware(allowed: tuple[str, ...]):  # type: ignore[no-untyped-def]
    names = {h.lower() for h in allowed}
    wildcard = "*" in names

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in ("http", "websocket") and not wildcard:
                host = ""
                for key, value in scope.get("headers", []):
                    if key == b"host":
                        host = value.decode("latin-1").lower()
                        break
                name = host[1 : host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
                if name not in names:
                    body = b'{"status_code":400,"detail":"invalid host header"}'
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 400,
                            "headers": [(b"content-type", b"application/json")],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
            await app(scope, receive, send)

        return middleware

    return factory
