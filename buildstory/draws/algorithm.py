"""The prize-draw shuffle "sha256-ctr-fisher-yates/1": deterministic, unbiased, reproducible.

Anyone with the seed and the eligible list can recompute a draw with these steps:

1. **Byte stream.** The seed is 64 hex digits (32 random bytes from ``secrets``). Block
   ``i`` (i = 0, 1, 2, …) is ``SHA-256(seed_bytes || i as 8-byte big-endian)``; the stream
   is the blocks one after another, read front to back.
2. **Unbiased integer below n.** For n = 1 the answer is 0 and no bytes are read.
   Otherwise let ``b`` be the bit length of ``n - 1``; read ``ceil(b / 8)`` bytes as a
   big-endian integer, keep its low ``b`` bits, and accept it if it is below n; if not,
   read again (rejection sampling: no value is favoured).
3. **Fisher–Yates.** Start from the eligible list sorted by username in code-point order.
   For ``i`` from ``len - 1`` down to 1: draw ``j`` below ``i + 1`` and swap items
   ``i`` and ``j``.
4. **Winners.** The first N items of the shuffled list, in that order.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import TypeVar

NAME = "sha256-ctr-fisher-yates"
VERSION = 1
ALGORITHM = f"{NAME}/{VERSION}"
SEED_BYTES = 32

T = TypeVar("T")


class ByteStream:
    """The SHA-256 counter-mode byte stream of a seed."""

    def __init__(self, seed: str):
        self.seed = seed_bytes(seed)
        self._blocks = self._generate()
        self._buffer = b""

    def _generate(self) -> Iterator[bytes]:
        counter = 0
        while True:
            yield hashlib.sha256(self.seed + counter.to_bytes(8, "big")).digest()
            counter += 1

    def read(self, count: int) -> bytes:
        """Return the next ``count`` bytes of the stream."""
        while len(self._buffer) < count:
            self._buffer += next(self._blocks)
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out

    def below(self, n: int) -> int:
        """Return an unbiased integer in ``[0, n)`` (rejection sampling)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        if n == 1:
            return 0
        bits = (n - 1).bit_length()
        mask = (1 << bits) - 1
        while True:
            value = int.from_bytes(self.read((bits + 7) // 8), "big") & mask
            if value < n:
                return value


def seed_bytes(seed: str) -> bytes:
    """Return the 32 bytes of a 64-hex-digit seed (ValueError otherwise)."""
    raw = bytes.fromhex(seed)
    if len(raw) != SEED_BYTES:
        raise ValueError("a seed is 64 hex digits (256 bits)")
    return raw


def shuffle(items: Sequence[T], seed: str) -> list[T]:
    """Return a new list: ``items`` shuffled by Fisher–Yates driven by the seed's stream."""
    out = list(items)
    stream = ByteStream(seed)
    for i in range(len(out) - 1, 0, -1):
        j = stream.below(i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def draw(items: Sequence[T], seed: str, winners: int) -> list[T]:
    """Return the first ``winners`` items of the seed's shuffle of ``items``."""
    return shuffle(items, seed)[:winners]
