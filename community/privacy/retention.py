"""Retention: each app registers a purge of what it keeps for a limited time.

The nightly `apply_retention` task runs them all with the same `now`; each returns how many
records it erased, and must be idempotent (running twice erases nothing more).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Purge:
    key: str  # "forum.removed_posts"
    run: Callable[[datetime], int]  # (now) -> number of records erased


_purges: dict[str, Purge] = {}


def register_purge(purge: Purge) -> None:
    if purge.key in _purges and _purges[purge.key] != purge:
        raise ValueError(f"Purge {purge.key!r} is already registered.")
    _purges[purge.key] = purge


def purges() -> list[Purge]:
    return list(_purges.values())
