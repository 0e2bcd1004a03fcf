"""Syndication transmitters (DESIGN §5): a formatted payload to one subscriber.

    attempt = transmitter.transmit(target, payload, content_type, delivery_id, now)

returns an `Attempt` (delivered | transient | permanent, with the HTTP status, the
duration, a sanitized response excerpt, the error and the Retry-After delay) and
never raises for what the network, the receiver or the disk did.

- `WebhookTransmitter` + `WebhookTarget(url, secret)`: Standard Webhooks signed POST,
  SSRF-guarded at every send and pinned to the vetted address (module webhook);
- `FileDropTransmitter` + `FileDropTarget(directory, extension=None)`: atomic
  write-then-rename (module filedrop);
- `check_url(url, allow_insecure, resolve)`: the SSRF guard, for subscribe time
  (module ssrf), raising `UnsafeTarget`.

Plain Python, no Celery: the syndication task maps the Attempt to events and retries.
"""

from newsroom.ssrf import (
    ResolutionFailed,
    Resolver,
    UnsafeTarget,
    VettedTarget,
    address_problem,
    check_url,
    system_resolver,
)
from newsroom.webhook_secrets import InvalidSecret, generate_secret, parse_secret
from workers.transmit.base import (
    DELIVERED,
    PERMANENT,
    TRANSIENT,
    Attempt,
    AttemptStatus,
    Transmitter,
)
from workers.transmit.filedrop import (
    FileDropTarget,
    FileDropTransmitter,
    is_temporary,
    remove_stale_temporaries,
)
from workers.transmit.webhook import (
    WebhookTarget,
    WebhookTransmitter,
    parse_retry_after,
    sign,
    signature_headers,
)

__all__ = [
    "DELIVERED",
    "PERMANENT",
    "TRANSIENT",
    "Attempt",
    "AttemptStatus",
    "FileDropTarget",
    "FileDropTransmitter",
    "InvalidSecret",
    "ResolutionFailed",
    "Resolver",
    "Transmitter",
    "UnsafeTarget",
    "VettedTarget",
    "WebhookTarget",
    "WebhookTransmitter",
    "address_problem",
    "check_url",
    "generate_secret",
    "is_temporary",
    "parse_retry_after",
    "parse_secret",
    "remove_stale_temporaries",
    "sign",
    "signature_headers",
    "system_resolver",
]
