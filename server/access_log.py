"""Request logs without secrets: uvicorn's access log names the route, not the path, where a
path carries a token or a device id (the calendar link, a device's address), and never a query
string. So a log shipped to a log service, or read over an operator's shoulder, holds nothing
that reaches a person's reminders."""

from __future__ import annotations

import logging
import re

# Path parameters that identify a device or prove the right to read or change it.
SECRET_PARAMS = frozenset({"device_id", "token"})


class RedactSecrets(logging.Filter):
    """For uvicorn's access log: replaces a path that holds a secret by its route's template
    (``/api/calendar/{device_id}/{token}.ics``) and drops every query string."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        # Imported here: the logging configuration is read before the app starts, and the
        # route table brings the views with it.
        from starlette.routing import Route

        from .routes import routes

        self.patterns: list[tuple[re.Pattern[str], str]] = [
            (route.path_regex, route.path)
            for route in routes
            if isinstance(route, Route) and SECRET_PARAMS & set(route.param_convertors)
        ]

    def redact(self, path: str) -> str:
        path = path.split("?", 1)[0]
        for pattern, template in self.patterns:
            if pattern.match(path):
                return template
        return path

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path, version, status).
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (_address(client), method, self.redact(str(path)), version, status)
        return True


def _address(client: object) -> object:
    """The client's address without the port uvicorn puts after it: behind a proxy that port
    is always 0 (only the proxy's header tells the address), and it is never the person's."""
    if isinstance(client, str) and ":" in client:
        return client.rsplit(":", 1)[0]
    return client
