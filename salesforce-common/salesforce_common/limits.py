"""API-usage tracking (``Sforce-Limit-Info``) and the optional quota guard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from salesforce_common.errors import ApiQuotaGuardError
from salesforce_common.settings import QUOTA_SETTINGS, validate_settings

LIMIT_INFO_HEADER = "Sforce-Limit-Info"

# "api-usage=18/5000, per-app-api-usage=17/250(appName=x)": skip the per-app counter.
_API_USAGE = re.compile(r"(?:^|[\s,;])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class ApiUsage:
    """The org's daily API usage as reported by Salesforce.

    Attributes:
        used: Calls made in the last 24 hours.
        max: The org's daily allowance.
    """

    used: int
    max: int

    @property
    def percent(self) -> float:
        """Usage as a percentage of the allowance (0 when the allowance is unknown)."""
        return 100.0 * self.used / self.max if self.max > 0 else 0.0

    @property
    def remaining(self) -> int:
        """Calls left today."""
        return max(self.max - self.used, 0)


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """Parse a ``Sforce-Limit-Info`` header value.

    Args:
        header: e.g. ``api-usage=18/5000`` (other counters may follow).

    Returns:
        The usage, or None when the header is absent or has no ``api-usage``.
    """
    if not header:
        return None
    match = _API_USAGE.search(header)
    return ApiUsage(int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class QuotaGuard:
    """Refuses a call that would cross a configured limit (None = that limit is off).

    Attributes:
        max_api_usage_percent: Highest org usage (percent of the daily allowance) to reach.
        max_api_calls: Most API calls this session may make.
        max_api_share_percent: Most API calls this session may make, as a percentage of the
            org's daily allowance (the MAX of ``Sforce-Limit-Info``); judged once a response
            has reported it.
    """

    max_api_usage_percent: float | None = None
    max_api_calls: int | None = None
    max_api_share_percent: float | None = None

    def __post_init__(self) -> None:
        """Validate the limits.

        Raises:
            ConfigError: A limit out of range; the message names it.
        """
        validate_settings(
            QUOTA_SETTINGS,
            {
                "max_api_usage_percent": self.max_api_usage_percent,
                "max_api_calls": self.max_api_calls,
                "max_api_share_percent": self.max_api_share_percent,
            },
        )

    @property
    def limited(self) -> bool:
        """Whether any limit is set (callers then send requests one at a time)."""
        return (
            self.max_api_usage_percent is not None
            or self.max_api_calls is not None
            or self.max_api_share_percent is not None
        )

    def share_calls(self, usage: ApiUsage | None) -> int | None:
        """The calls ``max_api_share_percent`` allows this session (rounded down).

        Args:
            usage: Latest org usage, when a response has reported it.

        Returns:
            The allowed calls, or None when the share is off or the allowance is unknown.
        """
        share = self.max_api_share_percent
        if share is None or usage is None or usage.max <= 0:
            return None
        allowed = Decimal(str(share)) * usage.max / 100
        return int(allowed.to_integral_value(rounding=ROUND_FLOOR))

    def check(self, *, calls: int, usage: ApiUsage | None) -> None:
        """Raise if one more call would cross a limit.

        Args:
            calls: API calls this session has made so far.
            usage: Latest org usage, when a response has reported it.

        Raises:
            ApiQuotaGuardError: One line naming the limit and the numbers.
        """
        if self.max_api_calls is not None and calls + 1 > self.max_api_calls:
            raise ApiQuotaGuardError(
                f"API quota guard: this run has made {calls} API calls and "
                f"max_api_calls is {self.max_api_calls}; raise max_api_calls to continue"
            )
        allowed = self.share_calls(usage)
        if allowed is not None and usage is not None and calls + 1 > allowed:
            raise ApiQuotaGuardError(
                f"API quota guard: this run has made {calls} API calls and "
                f"max_api_share_percent={self.max_api_share_percent:g} allows it {allowed} of "
                f"the org's {usage.max} daily API calls; raise max_api_share_percent to continue"
            )
        pct = self.max_api_usage_percent
        if pct is not None and usage is not None and usage.max > 0:
            next_percent = 100.0 * (usage.used + 1) / usage.max
            if next_percent > pct:
                raise ApiQuotaGuardError(
                    f"API quota guard: the org has used {usage.used} of {usage.max} daily API "
                    f"calls ({usage.percent:.1f}%); one more would exceed "
                    f"max_api_usage_percent={pct:g}; wait for the 24-hour window or raise it"
                )
