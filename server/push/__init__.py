"""Web Push delivery: the server's VAPID key, checked subscriptions, and the sender.

- ``VapidKeys.load_or_create(data_dir)``: the key browsers subscribe with (``public_key``) and
  the ``Authorization`` header for each push service (``authorization(endpoint, subject)``).
- ``validate_subscription(data, allowed_hosts)``: a browser's ``PushSubscription.toJSON()``
  checked and turned into a ``PushTarget``, or ``InvalidSubscription(code)``.
- ``PushSender(vapid, subject, ttl)``: encrypts and posts messages through one connection pool;
  ``batch`` gives a ``Batch``, a stream of messages with a future for each ``Outcome``
  (``delivered``, ``gone``, ``failed``).
"""

from __future__ import annotations

from ._batch import Batch
from .outcome import Outcome
from .sender import MAX_PAYLOAD, PAYLOAD_SIZE, PushSender, parse_retry_after
from .subscriptions import InvalidSubscription, PushTarget, validate_subscription
from .vapid import VapidKeys

__all__ = [
    "MAX_PAYLOAD",
    "PAYLOAD_SIZE",
    "Batch",
    "InvalidSubscription",
    "Outcome",
    "PushSender",
    "PushTarget",
    "VapidKeys",
    "parse_retry_after",
    "validate_subscription",
]
