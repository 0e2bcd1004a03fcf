"""Signed checkpoints: the global chain's head at a sequence number, signed with the
key kept outside the database, stored in the database and appended to a file the
auditors keep elsewhere (deleting checkpoints from the database then proves nothing)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from newsroom.integrity import keys
from newsroom.integrity.store import IntegrityStore

FORMAT = "newsroom-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # events the checkpoint covers, counted in log order
    position: int  # the log position of the last of them, in the store that signed it
    head: str  # hex global chain hash after event `seq`
    created_at: str
    key_id: str
    public_key: str
    signature: str

    def message(self) -> bytes:
        # Sequence, not position, is signed: positions may change when a log is moved
        # to another database (PostgreSQL leaves holes), the sequence never does.
        return f"{FORMAT}\n{self.seq}\n{self.head}\n{self.created_at}".encode()

    def document(self) -> dict[str, Any]:
        return {"type": "checkpoint", **asdict(self)}

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(seq=int(data["seq"]), position=int(data["position"]), head=str(data["head"]),
                   created_at=str(data["created_at"]), key_id=str(data["key_id"]),
                   public_key=str(data["public_key"]), signature=str(data["signature"]))


def sign_checkpoint(key: Ed25519PrivateKey, seq: int, position: int, head: bytes,
                    now: datetime | None = None) -> Checkpoint:
    public = keys.public_hex(key)
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    unsigned = Checkpoint(seq, position, head.hex(), created, keys.key_id(public), public, "")
    return Checkpoint(seq, position, head.hex(), created, unsigned.key_id, public,
                      keys.sign(key, unsigned.message()))


def store_checkpoint(store: IntegrityStore, checkpoint: Checkpoint) -> None:
    with store.writing() as cursor:
        cursor.execute(store.sql(
            "INSERT INTO {checkpoints} (seq, position, head, created_at, key_id, public_key, "
            "signature) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (checkpoint.seq, checkpoint.position, checkpoint.head, checkpoint.created_at,
             checkpoint.key_id, checkpoint.public_key, checkpoint.signature))


def append_to_file(path: Path, checkpoint: Checkpoint) -> None:
    """One JSON line per checkpoint, flushed to disk before we report success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(checkpoint.document(), sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def stored_checkpoints(store: IntegrityStore) -> list[Checkpoint]:
    with store.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(store.sql(
            "SELECT seq, position, head, created_at, key_id, public_key, signature "
            "FROM {checkpoints} ORDER BY seq, id"))
        return [Checkpoint(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                           str(r[6])) for r in cursor.fetchall()]


class CheckpointFileError(ValueError):
    """A checkpoint or export file that cannot be read."""


def file_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from a checkpoint file or an export file (other lines are skipped)."""
    found: list[Checkpoint] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if '"checkpoint"' not in line:
                    continue
                try:
                    data = json.loads(line)
                    if data.get("type") == "checkpoint":
                        found.append(Checkpoint.from_document(data))
                except (ValueError, KeyError, TypeError) as exc:
                    raise CheckpointFileError(f"{path}:{number}: not a checkpoint ({exc})"
                                              ) from None
    except OSError as exc:
        raise CheckpointFileError(f"{path}: {exc.strerror}") from None
    return found


def merged(*groups: list[Checkpoint]) -> list[Checkpoint]:
    """Every distinct checkpoint, by sequence."""
    unique = {(c.seq, c.head, c.signature): c for group in groups for c in group}
    return sorted(unique.values(), key=lambda c: (c.seq, c.created_at))
