"""What both JSON APIs share: reading a body, and the error a person gets for bad input.

Bad input gets a 4xx with a message in the person's language and nothing is stored. Bodies
must be JSON: a cross-site form cannot send that content type, so no other site can act here
in a visitor's name. No text in a body holds what no text may (server/rules.py), nor a lone
surrogate, which no database can store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .i18n import N_, Catalogs
from .rules import TEXT_MESSAGES, text_problem

READ_MESSAGES = {
    "json": N_("The request could not be read."),
    "content_type": N_("The request must be sent as JSON."),
    "too_large": N_("The request is too large."),
    **TEXT_MESSAGES,
}
READ_STATUS = {"content_type": 415, "too_large": 413}
_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiError(ValueError):
    """What a person sent cannot be used; ``code`` names the problem for the message, whose
    placeholders ``values`` fill. ``retry_after``: seconds until a rate limit allows it."""

    def __init__(self, code: str, *, retry_after: int | None = None, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values
        self.retry_after = retry_after


async def read_json(request: Request, max_body: int) -> object:
    """The request's JSON, or ApiError for what keeps it from being read."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        raise ApiError("content_type")
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise ApiError("json") from None
    if declared > max_body:
        raise ApiError("too_large")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_body:
            raise ApiError("too_large")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        # Not JSON, not UTF-8, an integer of more digits than Python converts, or nested
        # deeper than the parser goes: all the same to the person.
        raise ApiError("json") from None
    for text in _texts(body):
        if _SURROGATE.search(text):  # "\ud800": JSON, but no text UTF-8 can hold
            raise ApiError("json")
        # Newlines and tabs may be a text's own (what a person wrote); single-line values
        # are checked by their own validators.
        problem = text_problem(text, lines=True)
        if problem:
            raise ApiError(problem)
    return body


def _texts(value: object) -> Iterator[str]:
    """Every string in a parsed body, keys included; a loop, not recursion, as a body may be
    nested nearly as deep as the interpreter's stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            yield from item
            pending.extend(item.values())


def error_response(
    catalogs: Catalogs,
    locale: str,
    error: ApiError,
    messages: Mapping[str, str],
    status: Mapping[str, int],
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    """``{"error": code, "message": ...}`` with the code's status (400 unless named) and, for
    a rate limit, Retry-After; the reader's own codes need not be in ``messages`` and
    ``status``."""
    message = catalogs.gettext(locale, {**READ_MESSAGES, **messages}[error.code])
    if error.values:
        message = message % error.values
    retry = error.retry_after
    return JSONResponse(
        {"error": error.code, "message": message, **(extra or {})},
        status_code={**READ_STATUS, **status}.get(error.code, 400),
        headers={"Retry-After": str(retry)} if retry else None,
    )


def client_address(request: Request) -> str:
    """The address rate limits count against."""
    return request.client.host if request.client else "unknown"


def bearer(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header, or ``""``."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""
