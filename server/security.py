"""Security headers on every response.

No inline script or style anywhere, so the policy can stay strict: everything comes from our
own origin. Pages hold nothing a referrer should leak, and no device feature is used except the
few the player needs on our own origin (the screen wake lock, vibration needs no permission).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "media-src 'self' blob:",  # the bells' audio track is made on the device
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# For a static export, whose host sends no headers: a <meta> policy cannot carry
# frame-ancestors (browsers ignore it there and complain).
META_CONTENT_SECURITY_POLICY = "; ".join(
    part for part in CONTENT_SECURITY_POLICY.split("; ") if not part.startswith("frame-ancestors")
)
# Only features Chromium knows: an unknown one (such as "bluetooth") makes it warn on every page.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=()",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "midi=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "display-capture=()",
        "screen-wake-lock=(self)",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Behind HTTPS (HOUVAST_HSTS): browsers use only HTTPS for this host for a year. Not for
# subdomains: they may be other sites of the same operator. Never stored by the service worker
# (server/offline.py keeps SECURITY_HEADERS only), so it is a server-only setting.
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def security_headers(*, hsts: bool) -> dict[str, str]:
    """The headers every response carries."""
    return {**SECURITY_HEADERS, **dict([HSTS] if hsts else [])}


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
