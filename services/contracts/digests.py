"""The digests a publication carries, computed one way by scoring (which issues it) and by
anyone who checks it (archives, the CLI's `vanguard publication verify`, an inspector).

`inputs_digest`: SHA-256 over the sorted, distinct ids of the input events that bear on the
entries, joined by newlines. `digest`: SHA-256 over the canonical JSON (keys sorted, no
spaces, UTF-8 as JSON escapes it) of every field of the publication as issued but `digest`
itself — the stored payload, never an upcast copy."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_digest(event_ids: Iterable[str]) -> str:
    return sha256_hex("\n".join(sorted(set(event_ids))))


def content_digest(fields: Mapping[str, object]) -> str:
    return sha256_hex(json.dumps(fields, sort_keys=True, separators=(",", ":")))


def verify_payload(data: Mapping[str, object]) -> bool:
    """The digest of a publication as it was issued (an envelope's `data`, of any schema
    version and either type, issued or amended) matches the fields it was issued with."""
    return content_digest({k: v for k, v in data.items() if k != "digest"}) == data.get("digest")
