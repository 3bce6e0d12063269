"""What a batch needs: records checked and de-duplicated, then create / update / skip plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.mapping import EMAIL, StreamMapper
from target_salesforce_contacts.settings import MultipleMatchPolicy, TargetSettings
from target_salesforce_contacts.values import clean_email, comparable, email_key, is_valid_email


@dataclass
class Incoming:
    """One input record with its identity and Contact values.

    Attributes:
        stream: The stream it came from.
        record: The record as received.
        email: The trimmed email (None when absent).
        values: Contact field -> value to write (identity excluded).
    """

    stream: str
    record: Mapping[str, Any]
    email: str | None
    values: dict[str, Any]

    @property
    def key(self) -> str:
        """The matching key (lower-cased email)."""
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
    """

    item: Incoming
    code: str
    reason: str
    fields: list[str] = field(default_factory=list)
    contact_id: str | None = None


@dataclass
class WriteOp:
    """One Contact to create (``contact_id`` None) or update.

    Attributes:
        item: The source record.
        contact_id: The Contact to update, None to create.
        payload: Fields to send (for an update only the changed ones).
        changes: For updates: field -> {"from": old, "to": new}.
    """

    item: Incoming
    contact_id: str | None
    payload: dict[str, Any]
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

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
    """

    creates: list[WriteOp] = field(default_factory=list)
    updates: list[WriteOp] = field(default_factory=list)
    unchanged: list[Settled] = field(default_factory=list)
    skipped: list[Settled] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    multiple_matches: list[tuple[Incoming, list[str]]] = field(default_factory=list)

    @property
    def writes(self) -> list[WriteOp]:
        """Creates then updates."""
        return [*self.creates, *self.updates]


def prepare(
    stream: str, records: Sequence[Mapping[str, Any]], mapper: StreamMapper
) -> tuple[list[Incoming], list[Reject]]:
    """Extract identities and values; reject bad emails; collapse duplicate emails.

    Within the batch, the last record with an email wins; the earlier ones are rejected
    as ``SUPERSEDED``.

    Args:
        stream: The stream name.
        records: The batch, in input order.
        mapper: The stream's mapping.

    Returns:
        (records to match, rejected records).
    """
    rejects: list[Reject] = []
    latest: dict[str, Incoming] = {}
    for record in records:
        extracted = mapper.extract(record)
        email = clean_email(extracted.email)
        item = Incoming(stream, record, email, extracted.values)
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


def _changes(
    schema: ContactSchema, values: Mapping[str, Any], contact: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    changes: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        f = schema.get(name)
        old = contact.get(name)
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
    for item in items:
        matches = existing.get(item.key, [])
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
            changes = _changes(schema, item.values, contact)
            if external_id is not None and position == 0 and contact.get(external_id) != item.key:
                changes[external_id] = {"from": contact.get(external_id), "to": item.key}
            contact_id = str(contact["Id"])
            if not changes:
                result.unchanged.append(Settled(item, contact_id))
                continue
            payload = {name: change["to"] for name, change in changes.items()}
            result.updates.append(WriteOp(item, contact_id, payload, changes))
    return result
