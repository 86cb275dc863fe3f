"""What became of a push message: the answer the dispatcher records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["delivered", "gone", "failed", "interrupted", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message.

    ``kind``: ``delivered`` (the push service took it), ``gone`` (the subscription no longer
    exists: delete it), ``failed`` (given up; the subscription may still be fine), ``interrupted``
    (stopped while its request was under way or waiting to be tried again: it may have
    arrived) or ``withdrawn`` (its batch's gate did not let it go: never sent).
    ``status`` is the last HTTP status, ``None`` when no answer came (connection error,
    timeout) or nothing was sent; ``attempts`` counts the requests made.
    """

    kind: Kind
    status: int | None
    attempts: int


NOT_SENT = Outcome("failed", None, 0)  # a message that never left (bad payload, say)
# Stopped while its request was under way: no answer, and it may have arrived all the same.
INTERRUPTED = Outcome("interrupted", None, 1)
# Not let through by the batch's gate (another sender has it now): never sent.
WITHDRAWN = Outcome("withdrawn", None, 0)
