"""Records whose email belongs to an unconverted Lead: ignore, skip, or update the Lead.

Only records that match no Contact are checked (a Contact, once there, is the record's
identity), in one ``SELECT ... FROM Lead WHERE IsConverted = false AND Email IN (...)`` per
packed chunk of emails. Several Leads with one email: the oldest (CreatedDate, then Id).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.matching import find_records
from target_salesforce_contacts.planning import Incoming, Reject, WriteOp, changes_for
from target_salesforce_contacts.settings import LeadPolicy, TargetSettings
from target_salesforce_contacts.values import email_key

LEAD = "Lead"
LEAD_EXISTS = "LEAD_EXISTS"


@dataclass
class LeadPlan:
    """What the Lead step decided for a batch's unmatched records.

    Attributes:
        taken: Email keys of records the Lead step handles (not Contacts any more).
        skips: Records dead-lettered as ``LEAD_EXISTS`` (``lead_policy: skip``).
        updates: Lead updates (``contact_id`` holds the Lead Id).
        unchanged: (record, Lead Id) of Leads already holding the record's values.
    """

    taken: set[str] = field(default_factory=set)
    skips: list[Reject] = field(default_factory=list)
    updates: list[WriteOp] = field(default_factory=list)
    unchanged: list[tuple[Incoming, str]] = field(default_factory=list)


class LeadChecker:
    """Finds unconverted Leads by email and plans what ``lead_policy`` asks."""

    def __init__(self, api: ContactsApi, settings: TargetSettings, schema: ContactSchema) -> None:
        """Prepare; use :meth:`build`.

        Args:
            api: The Salesforce calls.
            settings: The target settings.
            schema: The Lead fields.
        """
        self.api = api
        self.settings = settings
        self.schema = schema

    @classmethod
    def build(cls, api: ContactsApi, settings: TargetSettings) -> LeadChecker | None:
        """The checker, or None with ``lead_policy: ignore`` (then no call is made).

        Args:
            api: The Salesforce calls.
            settings: The target settings.

        Returns:
            The checker (``update_lead`` describes Lead once), or None.
        """
        if settings.lead_policy is LeadPolicy.IGNORE:
            return None
        if settings.lead_policy is LeadPolicy.UPDATE_LEAD:
            schema = ContactSchema.from_describe(api.describe(LEAD))
        else:
            schema = ContactSchema([])
        return cls(api, settings, schema)

    def writable(self, fields: Iterable[str]) -> list[str]:
        """The Contact fields of a mapping that Lead has and this user may update.

        Args:
            fields: Contact field names.

        Returns:
            The Lead field names.
        """
        out = []
        for name in fields:
            f = self.schema.get(name)
            if f is not None and f.updateable and not f.calculated and f.type != "reference":
                out.append(f.name)
        return out

    def check(self, items: Sequence[Incoming], fields: Iterable[str]) -> LeadPlan:
        """Look the records' emails up among unconverted Leads and plan each.

        Args:
            items: Records that match no Contact (and are not deletes).
            fields: Contact fields the stream writes.

        Returns:
            The plan.
        """
        result = LeadPlan()
        if not items:
            return result
        lead_fields = self.writable(fields)
        found = find_records(
            self.api.query,
            sobject=LEAD,
            field="Email",
            values=[str(i.email) for i in items],
            fields=lead_fields,
            where="IsConverted = false",
            key=email_key,
            parallel=self.api.parallel,
            url_prefix_bytes=self.api.query_url_prefix_bytes,
        )
        for item in items:
            leads = found.get(item.key)
            if not leads:
                continue
            lead = leads[0]
            lead_id = str(lead["Id"])
            result.taken.add(item.key)
            if self.settings.lead_policy is LeadPolicy.SKIP:
                reason = f"an unconverted Lead has this email: {lead_id}"
                result.skips.append(Reject(item, LEAD_EXISTS, reason, ["Email"], None, lead_id))
                continue
            values = {k: v for k, v in item.values.items() if k in lead_fields}
            changes = changes_for(self.schema, values, lead, self.settings.field_policies)
            if not changes:
                result.unchanged.append((item, lead_id))
                continue
            payload = {name: change["to"] for name, change in changes.items()}
            result.updates.append(WriteOp(item, lead_id, payload, changes))
        return result
