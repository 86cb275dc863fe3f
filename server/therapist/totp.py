"""Two-step sign-in with a time-based code (TOTP, RFC 6238) from an authenticator app."""

from __future__ import annotations

import pyotp

from .tokens import same

ISSUER = "Houvast"
# A code from the step before or after still counts: phones' clocks drift a little.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step ``code`` belongs to, within the allowed drift of ``now``, or None.

    The caller accepts a step only once (``Accounts.use_totp_step``), so a code seen over a
    shoulder or in a log cannot be used again.
    """
    typed = "".join(code.split())
    if len(typed) != 6 or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(int(now))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if same(totp.generate_otp(step), typed):
            return step
    return None
