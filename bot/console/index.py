"""The console's index of conversations inside a service, in Redis: many small sorted sets (each stays a
listpack, ~25 B a member) of packed conversation keys scored by the whole second they were last seen.

A web key ``web:w`` + 32 hex packs to 17 bytes, a messenger chat id or a mobile to its digits two a byte;
anything else is kept as it is behind a marker byte. Members an older version wrote (the whole key, in the
eight ``console:idle`` sorted sets) are still swept."""

from __future__ import annotations

import re
import zlib

SHARDS = 1024  # ≤ 128 members each (listpack) up to ~130,000 conversations inside a service at once
OLD_SHARDS = 8  # an older version's index (``console:idle:{console-idle-N}``), still swept

_CHANNELS = ("web", "telegram", "bale", "sms", "console")
_RAW, _HEX, _DIGITS = 0, 1, 2
_HEX_USER = re.compile(r"w[0-9a-f]{32}")
_DIGIT_USER = re.compile(r"[0-9]{1,40}")


def shard(prefix: str, key: str) -> str:
    """The sorted set holding ``key``'s member (its own Redis Cluster slot)."""
    return shard_name(prefix, zlib.crc32(key.encode()) % SHARDS)


def shard_name(prefix: str, n: int) -> str:
    """The ``n``-th sorted set of the index."""
    return f"{prefix}ci:{{ci{n}}}"


def old_shard_name(prefix: str, n: int) -> str:
    """The ``n``-th sorted set of an older version's index (whole keys as members)."""
    return f"{prefix}console:idle:{{console-idle-{n}}}"


def pack(key: str) -> bytes:
    """A conversation key as a short member: a byte for channel and form, then the user packed."""
    channel, _, user = key.partition(":")
    if channel in _CHANNELS:
        c = _CHANNELS.index(channel)
        if _HEX_USER.fullmatch(user):
            return bytes((c * 4 + _HEX,)) + bytes.fromhex(user[1:])
        if _DIGIT_USER.fullmatch(user):
            digits = user + ("f" if len(user) % 2 else "")  # odd: a nibble of padding
            return bytes((c * 4 + _DIGITS,)) + bytes.fromhex(digits)
    return bytes((255,)) + key.encode()


def unpack(member: bytes) -> str:
    """The conversation key a member was packed from."""
    tag, body = member[0], member[1:]
    if tag == 255:
        return body.decode()
    channel, form = _CHANNELS[tag // 4], tag % 4
    if form == _HEX:
        return f"{channel}:w{body.hex()}"
    if form == _DIGITS:
        return f"{channel}:{body.hex().rstrip('f')}"
    raise ValueError(f"not a packed conversation key: {member!r}")
