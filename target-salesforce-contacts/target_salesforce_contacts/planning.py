"""What a batch needs: records checked and de-duplicated, then create / update / skip plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.mapping import EMAIL, StreamMapper
from target_salesforce_contacts.settings import (
    DeleteMode,
    FieldPolicy,
    MultipleMatchPolicy,
    TargetSettings,
)
from target_salesforce_contacts.values import clean_email, comparable, email_key, is_valid_email

DELETED_AT = "_sdc_deleted_at"
"""Singer's soft-delete marker."""
TABLE_VERSION = "_sdc_table_version"
"""The table version the SDK adds from a RECORD's ``version``."""


@dataclass
class Incoming:
    """One input record with its identity and Contact values.

    Attributes:
        stream: The stream it came from.
        record: The record as received.
        email: The trimmed email (None when absent).
        values: Contact field -> value to write (identity excluded).
        deleted: The source deleted it (``_sdc_deleted_at`` set, with ``sync_deletes``).
        source_key: The record's key properties and values (for the ledger).
        version: The record's table version (``_sdc_table_version``), if any.
    """

    stream: str
    record: Mapping[str, Any]
    email: str | None
    values: dict[str, Any]
    deleted: bool = False
    source_key: dict[str, Any] | None = None
    version: int | None = None

    @cached_property
    def key(self) -> str:
        """The matching key (lower-cased email; computed once, the email never changes)."""
        return email_key(self.email or "")


@dataclass
class Reject:
    """A record that will not be written, and why.

    Attributes:
        item: The record.
        code: Salesforce's error code, or the target's own (``MISSING_EMAIL``...).
        reason: A human-readable reason.
        fields: Fields the error is about.
        contact_id: The Contact concerned, when there is one.
        lead_id: The Lead concerned (``LEAD_EXISTS``).
    """

    item: Incoming
    code: str
    reason: str
    fields: list[str] = field(default_factory=list)
    contact_id: str | None = None
    lead_id: str | None = None


@dataclass
class WriteOp:
    """One Contact to create (``contact_id`` None) or update.

    Attributes:
        item: The source record.
        contact_id: The Contact to update, None to create.
        payload: Fields to send (for an update only the changed ones).
        changes: For updates: field -> {"from": old, "to": new}.
        deletes: The write carries out a source delete (a flag set, or a hard delete).
    """

    item: Incoming
    contact_id: str | None
    payload: dict[str, Any]
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    deletes: bool = False

    @property
    def is_create(self) -> bool:
        """True for a create."""
        return self.contact_id is None


@dataclass
class Settled:
    """A record that needs no write: unchanged, or skipped by the sync mode.

    Attributes:
        item: The record.
        contact_id: The matched Contact, if any.
        reason: Why it is skipped (None for unchanged).
    """

    item: Incoming
    contact_id: str | None
    reason: str | None = None


@dataclass
class BatchPlan:
    """Everything decided for a batch before writing.

    Attributes:
        creates: Contacts to create.
        updates: Contacts to update.
        unchanged: Matched Contacts already holding the record's values.
        skipped: Records the sync mode leaves alone.
        rejects: Records that will not be written.
        multiple_matches: Records matching several Contacts (and the Ids).
        deletes: Contacts to delete (hard deletes; flags are updates).
        matched: Contact Ids matched by the batch's records (for the delete cap).
    """

    creates: list[WriteOp] = field(default_factory=list)
    updates: list[WriteOp] = field(default_factory=list)
    deletes: list[WriteOp] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)
    unchanged: list[Settled] = field(default_factory=list)
    skipped: list[Settled] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    multiple_matches: list[tuple[Incoming, list[str]]] = field(default_factory=list)

    @property
    def writes(self) -> list[WriteOp]:
        """Creates then updates."""
        return [*self.creates, *self.updates]

    @property
    def delete_count(self) -> int:
        """Contacts this batch deletes or flags as deleted."""
        return len(self.deletes) + sum(op.deletes for op in self.updates)


def prepare(
    stream: str,
    records: Sequence[Mapping[str, Any]],
    mapper: StreamMapper,
    *,
    key_properties: Sequence[str] = (),
    sync_deletes: bool = False,
) -> tuple[list[Incoming], list[Reject]]:
    """Extract identities and values; reject bad emails; collapse duplicate emails.

    Within the batch, the last record with an email wins; the earlier ones are rejected
    as ``SUPERSEDED``.

    Args:
        stream: The stream name.
        records: The batch, in input order.
        mapper: The stream's mapping.
        key_properties: The stream's key properties (kept with each record for the ledger).
        sync_deletes: Mark records whose ``_sdc_deleted_at`` is set as deletes.

    Returns:
        (records to match, rejected records).
    """
    rejects: list[Reject] = []
    latest: dict[str, Incoming] = {}
    for record in records:
        extracted = mapper.extract(record)
        email = clean_email(extracted.email)
        version = record.get(TABLE_VERSION)
        item = Incoming(
            stream,
            record,
            email,
            extracted.values,
            deleted=sync_deletes and record.get(DELETED_AT) not in (None, ""),
            source_key={k: record.get(k) for k in key_properties} or None,
            version=version if isinstance(version, int) else None,
        )
        if email is None:
            where = mapper.email_path or "email"
            if extracted.email is None:
                rejects.append(Reject(item, "MISSING_EMAIL", f"no email ({where} is empty)"))
            else:
                rejects.append(Reject(item, "MISSING_EMAIL", f"{where} is not a text value"))
            continue
        if not is_valid_email(email):
            rejects.append(
                Reject(item, "INVALID_EMAIL_ADDRESS", f"invalid email address: {email}", [EMAIL])
            )
            continue
        previous = latest.pop(item.key, None)
        if previous is not None:
            rejects.append(
                Reject(
                    previous,
                    "SUPERSEDED",
                    "superseded by a later record with the same email in the same batch",
                    [EMAIL],
                )
            )
        latest[item.key] = item
    return list(latest.values()), rejects


def is_empty(value: Any) -> bool:
    """True for what ``fill_if_empty`` may fill: null or a blank string.

    Args:
        value: A Salesforce value.

    Returns:
        Whether it is empty.
    """
    return value is None or (isinstance(value, str) and not value.strip())


def changes_for(
    schema: ContactSchema,
    values: Mapping[str, Any],
    current: Mapping[str, Any],
    policies: Mapping[str, FieldPolicy],
) -> dict[str, dict[str, Any]]:
    """The fields an update would change, under the field policies.

    ``on_create`` fields are never updated; ``fill_if_empty`` fields only where the record
    in Salesforce holds null or a blank string; ``overwrite`` fields whenever they differ.
    So a record whose allowed fields already hold its values changes nothing.

    Args:
        schema: The object's fields.
        values: Field -> new value.
        current: The record as read from Salesforce.
        policies: Field -> policy (absent: overwrite).

    Returns:
        Field -> {"from": old, "to": new}.
    """
    changes: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        f = schema.get(name)
        policy = policies.get(f.name if f else name, FieldPolicy.OVERWRITE)
        old = current.get(f.name if f else name)
        if policy is FieldPolicy.ON_CREATE:
            continue
        if policy is FieldPolicy.FILL_IF_EMPTY and not is_empty(old):
            continue
        if f is None or comparable(f, new) != comparable(f, old):
            changes[name] = {"from": old, "to": new}
    return changes


def plan(
    items: Sequence[Incoming],
    existing: Mapping[str, list[dict[str, Any]]],
    schema: ContactSchema,
    settings: TargetSettings,
    *,
    external_id: str | None = None,
) -> BatchPlan:
    """Decide, for each record, create / update / unchanged / skip / reject.

    With ``external_id``, creates carry the email key in that field (their resend-safe
    upsert keys on it), and an update of a Contact that lacks the key sets it (on the
    oldest match only: the field is unique).

    Args:
        items: De-duplicated records with valid emails.
        existing: Email key -> matching Contacts, oldest first.
        schema: The Contact fields.
        settings: The target settings.
        external_id: The external-ID field holding the email key, if any.

    Returns:
        The plan.
    """
    result = BatchPlan()
    mode = settings.sync_mode
    required = [f.name for f in schema.required_on_create]
    policies = settings.field_policies
    for item in items:
        matches = existing.get(item.key, [])
        result.matched.update(str(c["Id"]) for c in matches)
        if item.deleted:
            _plan_delete(result, item, matches, settings)
            continue
        if not matches:
            if not mode.creates:
                result.skipped.append(Settled(item, None, "no Contact has this email"))
                continue
            payload = {EMAIL: item.email, **item.values}
            if external_id is not None:
                payload[external_id] = item.key
            if "LastName" not in payload and settings.default_last_name:
                payload["LastName"] = settings.default_last_name
            missing = [name for name in required if payload.get(name) in (None, "")]
            if missing:
                result.rejects.append(
                    Reject(
                        item,
                        "REQUIRED_FIELD_MISSING",
                        f"cannot create a Contact without {', '.join(missing)}",
                        missing,
                    )
                )
                continue
            result.creates.append(WriteOp(item, None, payload))
            continue
        ids = [str(c["Id"]) for c in matches]
        if not mode.updates:
            result.skipped.append(Settled(item, ids[0], "a Contact with this email exists"))
            continue
        targets = matches
        if len(matches) > 1:
            policy = settings.on_multiple_matches
            if policy is MultipleMatchPolicy.REJECT:
                result.rejects.append(
                    Reject(
                        item,
                        "MULTIPLE_MATCHES",
                        f"{len(ids)} Contacts have this email: {', '.join(ids)}",
                        [EMAIL],
                    )
                )
                continue
            result.multiple_matches.append((item, ids))
            if policy is MultipleMatchPolicy.UPDATE_OLDEST:
                targets = matches[:1]
        for position, contact in enumerate(targets):
            changes = changes_for(schema, item.values, contact, policies)
            if external_id is not None and position == 0 and contact.get(external_id) != item.key:
                changes[external_id] = {"from": contact.get(external_id), "to": item.key}
            contact_id = str(contact["Id"])
            if not changes:
                result.unchanged.append(Settled(item, contact_id))
                continue
            payload = {name: change["to"] for name, change in changes.items()}
            result.updates.append(WriteOp(item, contact_id, payload, changes))
    return result


def _plan_delete(
    result: BatchPlan,
    item: Incoming,
    matches: Sequence[Mapping[str, Any]],
    settings: TargetSettings,
) -> None:
    """Plan a source delete: delete (or flag) the matched Contact(s); nothing when none.

    Several matches follow ``on_multiple_matches`` (oldest, all, or reject), as updates do.
    """
    if not matches:
        result.skipped.append(Settled(item, None, "deleted at the source; no Contact to delete"))
        return
    ids = [str(c["Id"]) for c in matches]
    targets = list(matches)
    if len(matches) > 1:
        if settings.on_multiple_matches is MultipleMatchPolicy.REJECT:
            result.rejects.append(
                Reject(
                    item,
                    "MULTIPLE_MATCHES",
                    f"{len(ids)} Contacts have this email: {', '.join(ids)}; none deleted",
                    [EMAIL],
                )
            )
            return
        result.multiple_matches.append((item, ids))
        if settings.on_multiple_matches is MultipleMatchPolicy.UPDATE_OLDEST:
            targets = targets[:1]
    flag = settings.delete_flag_field
    for contact in targets:
        contact_id = str(contact["Id"])
        if settings.delete_mode is DeleteMode.DELETE:
            result.deletes.append(WriteOp(item, contact_id, {}, deletes=True))
        elif flag is not None and contact.get(flag) is not True:
            change = {flag: {"from": contact.get(flag), "to": True}}
            result.updates.append(WriteOp(item, contact_id, {flag: True}, change, deletes=True))
        else:
            result.unchanged.append(Settled(item, contact_id, "already flagged as deleted"))
