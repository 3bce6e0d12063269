"""Fault injection: rules that make chosen calls fail, hang, drop, or expire the session."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = ("status", "drop", "latency", "expire_session")


@dataclass
class FaultRule:
    """One rule; it fires on matching calls after ``skip`` of them, ``times`` times (0 = forever).

    ``endpoint`` is the name of a handler in ``urls.py``'s route table (``query``,
    ``query_more``, ``bulk_query_results``, ``token``, ``composite_sobjects``...) or ``*``;
    ``path_contains`` narrows by URL path.
    """

    kind: str = "status"
    endpoint: str = "*"
    method: str | None = None
    path_contains: str | None = None
    status: int = 503
    error_code: str | None = None
    message: str | None = None
    html: bool = False
    delay: float = 0.0
    skip: int = 0
    times: int = 1
    fired: int = 0

    def __post_init__(self) -> None:
        """Refuse an unknown ``kind``."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")

    def matches(self, endpoint: str, method: str, path: str) -> bool:
        """True when the call is one this rule is about."""
        return (
            self.endpoint in ("*", endpoint)
            and (self.method is None or self.method.upper() == method.upper())
            and (self.path_contains is None or self.path_contains in path)
        )

    @property
    def spent(self) -> bool:
        """True once the rule has fired ``times`` times."""
        return self.times > 0 and self.fired >= self.times


@dataclass
class FaultInjector:
    """The active rules, consulted once per call."""

    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule from its JSON form."""
        rule = FaultRule(**{k: v for k, v in spec.items() if k != "fired"})
        with self._lock:
            self.rules.append(rule)
        return rule

    def pick(self, endpoint: str, method: str, path: str) -> FaultRule | None:
        """The rule that fires on this call, if any (counting the call against ``skip``)."""
        with self._lock:
            for rule in self.rules:
                if rule.spent or not rule.matches(endpoint, method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.fired += 1
                return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self.rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        """The rules as JSON."""
        with self._lock:
            return [asdict(rule) for rule in self.rules]
