"""Linking Contacts to Accounts: a key per record, batched lookups, optional creates.

The key of a record is the value of ``account_source_field``, or, without it, the domain of
its email (free-mail domains excluded). It is matched against ``account_match_field``:
``Website`` compares domains (``https://www.Acme.com/about`` holds the domain ``acme.com``),
any other field compares text ignoring case and surrounding blanks. Keys already resolved in
this run are not looked up again; the others are looked up in one SOQL statement per packed
chunk. Several Accounts for one key: the oldest (CreatedDate, then Id), or a reject.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_common import TransientError
from salesforce_common.api_limits import COLLECTION_RECORDS

from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.errors import MappingError, PendingWritesError
from target_salesforce_contacts.mapping import MISSING, get_path
from target_salesforce_contacts.matching import (
    find_records,
    in_queries,
    oldest_first,
    quote_literal,
    value_key,
)
from target_salesforce_contacts.planning import Incoming, Reject
from target_salesforce_contacts.settings import AccountAmbiguity, AccountPolicy, TargetSettings

logger = logging.getLogger("target_salesforce_contacts")

ACCOUNT = "Account"
ACCOUNT_ID = "AccountId"
WEBSITE = "Website"

FREE_EMAIL_DOMAINS = frozenset(
    {
        "126.com", "163.com", "aol.com", "att.net", "comcast.net", "fastmail.com",
        "free.fr", "gmail.com", "gmx.com", "gmx.de", "gmx.net", "googlemail.com",
        "hey.com", "hotmail.co.uk", "hotmail.com", "hotmail.de", "hotmail.fr", "icloud.com",
        "laposte.net", "live.co.uk", "live.com", "mac.com", "mail.com", "mail.ru", "me.com",
        "msn.com", "orange.fr", "outlook.com", "proton.me", "protonmail.com", "qq.com",
        "sbcglobal.net", "t-online.de", "tutanota.com", "verizon.net", "web.de",
        "yahoo.co.uk", "yahoo.com", "yahoo.de", "yahoo.fr", "yandex.com", "yandex.ru",
        "ymail.com", "zoho.com",
    }
)  # fmt: skip
"""Email domains that say nothing about a company: never used to find or create an Account."""

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def website_domain(value: Any) -> str | None:
    """The domain a Website (or email domain) value names, lower-cased, without ``www.``.

    Args:
        value: ``https://www.Acme.com/about``, ``acme.com``, ``www.acme.com:8080``...

    Returns:
        ``acme.com``, or None when there is none.
    """
    if not isinstance(value, str):
        return None
    text = _SCHEME.sub("", value.strip().lower())
    host = re.split(r"[/?#:]", text, maxsplit=1)[0].split("@")[-1].strip(".")
    host = host.removeprefix("www.")
    return host if "." in host else None


def email_domain(email: str | None) -> str | None:
    """The domain of an email address, lower-cased.

    Args:
        email: The address.

    Returns:
        The domain, or None.
    """
    if not email or "@" not in email:
        return None
    return website_domain(email.rsplit("@", 1)[1])


@dataclass
class AccountLinks:
    """What the Account step decided for a batch.

    Attributes:
        ids: Email key of a record -> the Account Id to link.
        created: Account key -> Id of the Accounts created for this batch.
        rejects: Records that will not be written (ambiguous or failed Account).
    """

    ids: dict[str, str] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)


class AccountLinker:
    """Resolves, and with ``match_or_create`` creates, the Account of each record."""

    def __init__(
        self,
        api: ContactsApi,
        settings: TargetSettings,
        match_field: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Prepare; use :meth:`build` to check the settings against the org.

        Args:
            api: The Salesforce calls.
            settings: The target settings.
            match_field: The checked Account field keys are matched against.
            sleep: Waits between retries (replaceable in tests).
        """
        self.api = api
        self.settings = settings
        self.match_field = match_field
        self.by_domain = match_field == WEBSITE
        self.free_domains = FREE_EMAIL_DOMAINS | settings.free_email_domains
        self.sleep = sleep
        self.cache: dict[str, str | None] = {}
        """Key -> Account Id (None: none matched, and none is to be created) for this run."""
        self.ambiguous: dict[str, list[str]] = {}
        self._failures: dict[str, tuple[str, str, list[str]]] = {}

    @classmethod
    def build(
        cls,
        api: ContactsApi,
        settings: TargetSettings,
        contact_schema: ContactSchema,
        mapped: Iterable[str],
    ) -> AccountLinker | None:
        """Check the Account settings against the org (one describe); None when off.

        Args:
            api: The Salesforce calls.
            settings: The target settings.
            contact_schema: The Contact fields.
            mapped: Contact fields the mapping sets (AccountId must not be among them).

        Returns:
            The linker, or None when ``account_policy`` is ``none``.

        Raises:
            MappingError: One line naming the setting and the problem (before any write).
        """
        policy = settings.account_policy
        if policy is AccountPolicy.NONE:
            return None
        link = contact_schema.get(ACCOUNT_ID)
        if link is None or not (link.createable and link.updateable):
            raise MappingError(
                "account_policy: Contact.AccountId is not writable by this user; grant "
                "field-level security or set account_policy to none"
            )
        if ACCOUNT_ID in set(mapped):
            raise MappingError(
                "account_policy: Contact.AccountId is also set by field_mapping or "
                "static_fields; keep one"
            )
        default = "Name" if settings.account_source_field else WEBSITE
        name = settings.account_match_field or default
        schema = ContactSchema.from_describe(api.describe(ACCOUNT))
        f = schema.get(name)
        if f is None:
            raise MappingError(
                f"account_match_field: Account has no field {name!r} in this org (check the "
                "API name, e.g. Website, Name or Account_Key__c)"
            )
        if not f.filterable:
            raise MappingError(
                f"account_match_field: Account.{f.name} is not filterable (type {f.type}): "
                "Accounts cannot be looked up by it; choose a filterable field"
            )
        if policy is AccountPolicy.MATCH_OR_CREATE:
            for needed in dict.fromkeys(["Name", f.name]):
                g = schema.get(needed)
                if g is None or not g.createable:
                    raise MappingError(
                        f"account_policy match_or_create: Account.{needed} cannot be set on "
                        "create by this user; grant it or use match_only"
                    )
        return cls(api, settings, f.name)

    # -- keys ------------------------------------------------------------------------------

    def key_of(self, item: Incoming) -> str | None:
        """The Account key of a record (None: no Account for it).

        Args:
            item: The record.

        Returns:
            The folded key.
        """
        source = self.settings.account_source_field
        if source is None:
            domain = email_domain(item.email)
            return None if domain is None or domain in self.free_domains else domain
        raw = get_path(item.record, source)
        if raw is MISSING or raw is None or isinstance(raw, dict | list):
            return None
        if self.by_domain:
            return website_domain(str(raw))
        text = str(raw).strip()
        return value_key(text) if text else None

    def _label(self, item: Incoming) -> str | None:
        """The Account key as written on a created Account (original case)."""
        source = self.settings.account_source_field
        if source is None or self.by_domain:
            return self.key_of(item)
        raw = get_path(item.record, source)
        return str(raw).strip() if raw not in (MISSING, None) else None

    # -- per batch -------------------------------------------------------------------------

    def link(self, items: Sequence[Incoming], *, dry_run: bool = False) -> AccountLinks:
        """Resolve the Account of each record (creating missing ones unless ``dry_run``).

        Args:
            items: The batch's records (deletes are left alone).
            dry_run: Look up, never create.

        Returns:
            The links, Accounts created and rejects.
        """
        result = AccountLinks()
        self._failures = {}
        keyed = [(item, self.key_of(item)) for item in items if not item.deleted]
        unknown = sorted({k for _, k in keyed if k is not None and k not in self.cache})
        if unknown:
            self._look_up(unknown)
        create = self.settings.account_policy is AccountPolicy.MATCH_OR_CREATE
        labels: dict[str, str] = {}
        for item, key in keyed:
            if key is not None and self.cache.get(key) is None and key not in self.ambiguous:
                labels.setdefault(key, self._label(item) or key)
        if create and labels and not dry_run:
            result.created = self._create(labels)
        for item, key in keyed:
            if key is None:
                continue
            if key in self.ambiguous:
                ids = self.ambiguous[key]
                result.rejects.append(
                    Reject(
                        item,
                        "MULTIPLE_ACCOUNTS",
                        f"{len(ids)} Accounts match {self.match_field} {key!r}: {', '.join(ids)}",
                        [ACCOUNT_ID],
                    )
                )
                continue
            account_id = self.cache.get(key)
            if account_id:
                result.ids[item.key] = account_id
        failed = {r.item.key for r in result.rejects}
        result.rejects += [
            Reject(item, *self._failures[key])
            for item, key in keyed
            if key in self._failures and item.key not in failed
        ]
        return result

    def _look_up(self, keys: Sequence[str]) -> None:
        """Fill the cache for ``keys``: one SOQL per packed chunk."""
        prefix = self.api.query_url_prefix_bytes
        if self.by_domain:
            found = self._by_domain(keys, prefix)
        else:
            found = find_records(
                self.api.query,
                sobject=ACCOUNT,
                field=self.match_field,
                values=keys,
                parallel=self.api.parallel,
                url_prefix_bytes=prefix,
            )
        reject = self.settings.account_on_multiple_matches is AccountAmbiguity.REJECT
        for key in keys:
            accounts = found.get(key, [])
            if len(accounts) > 1 and reject:
                self.ambiguous[key] = [str(a["Id"]) for a in accounts]
                continue
            if len(accounts) > 1:
                logger.info(
                    "%d Accounts match %s %r: linking the oldest, %s",
                    len(accounts),
                    self.match_field,
                    key,
                    accounts[0]["Id"],
                )
            self.cache[key] = str(accounts[0]["Id"]) if accounts else None

    def _by_domain(self, domains: Sequence[str], prefix: int) -> dict[str, list[dict[str, Any]]]:
        """Accounts whose Website holds one of ``domains``, by domain, oldest first.

        ``Website LIKE '%acme.com%' OR ...`` per packed chunk, then an exact comparison of
        each Website's domain (the LIKE only narrows).
        """
        wanted = set(domains)
        head = f"SELECT Id, {WEBSITE}, CreatedDate FROM {ACCOUNT} WHERE ("
        found: dict[str, list[dict[str, Any]]] = {}
        seen: set[str] = set()
        for statement in in_queries(
            head,
            domains,
            url_prefix_bytes=prefix,
            term=lambda d: f"{WEBSITE} LIKE {quote_literal('%' + d + '%')}",
            separator=" OR ",
        ):
            for row in self.api.query(statement):
                domain = website_domain(row.get(WEBSITE))
                if domain in wanted and row["Id"] not in seen:
                    seen.add(row["Id"])
                    found.setdefault(domain, []).append(row)
        for rows in found.values():
            rows.sort(key=oldest_first)
        return found

    def _create(self, labels: Mapping[str, str]) -> dict[str, str]:
        """Create the Accounts for ``labels`` (key -> label), 200 per call.

        A call whose outcome is unknown (a transient failure) is not resent blind: the keys
        are looked up again first and only those still missing are sent again.
        """
        created: dict[str, str] = {}
        pending = dict(labels)
        retries = self.api.session.settings.max_retries
        for attempt in range(retries + 1):
            if attempt:
                self.sleep(min(self.settings.backoff_base_seconds * 2 ** (attempt - 1), 60.0))
                self._look_up(sorted(pending))
                pending = {k: v for k, v in pending.items() if self.cache.get(k) is None}
            unsure: dict[str, str] = {}
            keys = list(pending)
            for start in range(0, len(keys), COLLECTION_RECORDS):
                chunk = keys[start : start + COLLECTION_RECORDS]
                try:
                    results = self.api.create(
                        ACCOUNT, [self._payload(k, pending[k]) for k in chunk]
                    )
                except TransientError as exc:
                    logger.warning(
                        "Creating %d Account(s) failed (%s); looking them up before sending again",
                        len(chunk),
                        exc,
                    )
                    unsure.update({k: pending[k] for k in chunk})
                    continue
                for key, outcome in zip(chunk, results, strict=False):
                    if outcome.get("success"):
                        created[key] = self.cache[key] = str(outcome["id"])
                        continue
                    error = (outcome.get("errors") or [{}])[0]
                    code = str(error.get("statusCode") or "UNKNOWN_EXCEPTION")
                    message = self.api.session.redact(str(error.get("message") or code))
                    self._failures[key] = (code, f"Account not created: {message}", [ACCOUNT_ID])
                unsure.update({k: pending[k] for k in chunk[len(results) :]})
            if not unsure:
                return created
            pending = unsure
        raise PendingWritesError(
            f"{len(pending)} Account create(s) still failing after {retries} retries: the "
            "Contacts linked to them are pending (not dead-lettered, no STATE passed on); a "
            "rerun looks the Accounts up first, then resumes"
        )

    def _payload(self, key: str, label: str) -> dict[str, Any]:
        """The fields of a new Account for a key."""
        if self.by_domain:
            return {"Name": label, WEBSITE: key}
        if self.match_field == "Name":
            return {"Name": label}
        return {"Name": label, self.match_field: label}
