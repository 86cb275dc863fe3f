"""The server's VAPID identity (RFC 8292): one P-256 key, kept in the data folder.

Browsers subscribe with the public key; every push request carries a short-lived JWT signed with
the private key, which the push service checks against the key the subscription was made with.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import stat
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

log = logging.getLogger("houvast.push")

KEY_FILE = "vapid_private.pem"
TOKEN_LIFETIME = 12 * 3600  # seconds; push services refuse more than 24 h (Apple strictly)
RESIGN_BEFORE = 3600  # sign a fresh token when the cached one has less than this left

# Header and claims are serialised compactly with sorted keys: some push services have been
# picky about anything else.
_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"ES256","typ":"JWT"}').rstrip(b"=").decode()


def b64url(data: bytes) -> str:
    """Base64url without padding, as Web Push writes keys and tokens."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def origin_of(endpoint: str) -> str:
    """``scheme://host[:port]`` of a URL, the ``aud`` a push service expects."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port
    if port is None or (scheme, port) in {("https", 443), ("http", 80)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class VapidKeys:
    """The application server key pair and the ``Authorization`` headers made with it."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("a VAPID key must be on the P-256 curve")
        self._private_key = private_key
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self._public_key = b64url(point)
        # (origin, subject) -> (header value, exp): one signature per push service, reused.
        self._tokens: dict[tuple[str, str], tuple[str, int]] = {}

    @classmethod
    def from_pem(cls, pem: bytes, source: str = "the VAPID key") -> VapidKeys:
        """The key in PEM form (PKCS#8 or SEC1); a key of another kind fails loudly."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{source} is not an elliptic-curve (P-256) private key")
        return cls(key)

    @classmethod
    def load_file(cls, path: Path) -> VapidKeys:
        """A key from a file an operator provides (the same on every instance)."""
        _warn_if_readable(path)
        return cls.from_pem(path.read_bytes(), str(path))

    @classmethod
    def load_or_create(cls, data_dir: Path) -> VapidKeys:
        """Load ``data_dir/vapid_private.pem``, creating the folder and the key on first use.

        The key file is written with mode 0600 to a temporary file and then linked into place,
        so nobody ever reads half a key, and when two processes start at once both end up
        with the key that won (each subscription is bound to one key; two would break push).
        """
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = data_dir / KEY_FILE
        if not path.exists():
            _write_new_key(path)
        _warn_if_readable(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} does not hold an elliptic-curve (P-256) private key")
        return cls(key)

    @property
    def public_key(self) -> str:
        """The uncompressed public point (65 bytes), base64url: the applicationServerKey."""
        return self._public_key

    def authorization(self, endpoint: str, subject: str, now: float | None = None) -> str:
        """The ``Authorization`` header value for a push to ``endpoint``.

        ``vapid t=<JWT>,k=<public key>``; the JWT's ``aud`` is the endpoint's origin, ``sub``
        the operator's contact. A token is reused for its origin until less than an hour of its
        12 hours is left, so a dispatch signs once per push service instead of per message.
        """
        moment = time.time() if now is None else now
        # The origin of a stored endpoint is the part before its path (https, no port, a
        # lower-case host: subscriptions.py writes it so); urlsplit is for anything else.
        slash = endpoint.find("/", 8)
        origin = endpoint[:slash] if endpoint.startswith("https://") and slash > 8 else ""
        if not origin or ":" in origin[8:] or origin != origin.lower():
            origin = origin_of(endpoint)
        cached = self._tokens.get((origin, subject))
        if cached is not None and cached[1] - moment >= RESIGN_BEFORE:
            return cached[0]
        exp = int(moment) + TOKEN_LIFETIME
        token = self._sign({"aud": origin, "exp": exp, "sub": subject})
        header = f"vapid t={token},k={self._public_key}"
        self._tokens[(origin, subject)] = (header, exp)
        return header

    def _sign(self, claims: dict[str, object]) -> str:
        body = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        signing_input = f"{_JWT_HEADER}.{body}"
        der = self._private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        # JWS wants r and s as two fixed 32-byte numbers, not the DER sequence OpenSSL gives.
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def new_pem() -> bytes:
    """A new P-256 private key in PEM (PKCS#8)."""
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_new_key(path: Path) -> None:
    pem = new_pem()
    # mkstemp creates the file 0600 from the start: the key is never readable by others.
    fd, tmp_name = tempfile.mkstemp(prefix=".vapid-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        try:
            # A hard link fails if another process got there first; then its key is the key.
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            # A filesystem without hard links: rename is still atomic, last writer wins.
            os.replace(tmp, path)
        _sync_directory(path.parent)
        log.info("created a new VAPID key in %s", path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _sync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _warn_if_readable(path: Path) -> None:
    # Never loosen, and do not silently change what an operator set: say it instead.
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o); chmod 600 it", path, mode)
