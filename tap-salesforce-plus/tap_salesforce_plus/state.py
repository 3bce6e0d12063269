"""The shape of a ``--state`` object, checked before the SDK reads it.

The SDK indexes a state object without checking it: ``{"bookmarks": 5}`` or a Meltano state
envelope would end the run with a traceback. :func:`check_state` rejects them in one line.
The values inside a stream's state (a bookmark that is not a datetime, a malformed Bulk resume
point) are checked where they are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from salesforce_common import ConfigError

BOOKMARKS = "bookmarks"
HINT = "pass the tap's state: the value of the last STATE message it wrote"


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_state(state: Any) -> None:
    """Fail in one line unless ``state`` has the shape of a Singer tap state.

    ``{}`` and ``{"bookmarks": {stream: {...}}}`` are accepted (each stream's entry an object,
    its ``partitions`` a list of objects); other top-level keys are allowed beside
    ``bookmarks``.

    Args:
        state: The decoded ``--state`` content.

    Raises:
        ConfigError: It is not a state object: names what is wrong and where.
    """
    if not isinstance(state, Mapping):
        raise ConfigError(f"state: must be a JSON object, not {_kind(state)}; {HINT}")
    if BOOKMARKS not in state:
        if state.get("type") == "STATE" and "value" in state:
            raise ConfigError(f"state: this is a STATE message, not a state; {HINT}")
        if state:
            keys = ", ".join(sorted(map(str, state))[:5])
            raise ConfigError(f"state: no 'bookmarks' object (top-level keys: {keys}); {HINT}")
        return
    bookmarks = state[BOOKMARKS]
    if not isinstance(bookmarks, Mapping):
        raise ConfigError(f"state: 'bookmarks' must be an object, not {_kind(bookmarks)}; {HINT}")
    for stream, entry in bookmarks.items():
        if not isinstance(entry, Mapping):
            raise ConfigError(
                f"state: the bookmark of stream {stream} must be an object, not {_kind(entry)}"
            )
        partitions = entry.get("partitions")
        if partitions is not None and not (
            isinstance(partitions, list) and all(isinstance(p, Mapping) for p in partitions)
        ):
            raise ConfigError(f"state: 'partitions' of stream {stream} must be a list of objects")
