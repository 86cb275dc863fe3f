"""Where a push request may connect: only to public addresses.

The allow-list judges a subscription's host name when it is stored (subscriptions.py). But a
name is resolved again at every connection, and DNS can change its answer (DNS rebinding): a
name on an allowed domain could point at 127.0.0.1, the cloud's metadata service or the
operator's own network. So the sender resolves through ``PublicOnlyResolver``, which drops
every loopback, private, link-local, multicast or otherwise non-public address from the answer
and refuses the connection when nothing is left.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

log = logging.getLogger("houvast.push")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_public(address: str, allowed: tuple[Network, ...] = ()) -> bool:
    """Whether a push request may connect to ``address`` (an IP address as text).

    ``allowed`` are networks let through all the same (a test's push service on loopback).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast


class PublicOnlyResolver(AbstractResolver):
    """Resolves with ``inner`` (the system's resolver by default) and keeps public addresses
    only; raises ``OSError`` (a connection error to the sender) when none is left."""

    def __init__(
        self, inner: AbstractResolver | None = None, allowed_networks: tuple[str, ...] = ()
    ) -> None:
        self.inner = inner if inner is not None else DefaultResolver()
        self.allowed = tuple(ipaddress.ip_network(network) for network in allowed_networks)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self.inner.resolve(host, port, family)
        public = [answer for answer in answers if is_public(answer["host"], self.allowed)]
        if not public:
            log.warning("push host %s resolves to no public address; not connecting", host)
            raise OSError(f"{host} resolves to no public address")
        return public

    async def close(self) -> None:
        await self.inner.close()
