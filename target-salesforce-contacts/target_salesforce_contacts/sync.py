"""One run of the target: the session, the checked mapping, how each batch is written, STATE."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from salesforce_common import SalesforceError, SalesforceSession
from salesforce_common.redaction import install_log_redaction

from target_salesforce_contacts.accounts import ACCOUNT_ID, AccountLinker
from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.deletes import (
    DeleteCapError,
    DeleteWriter,
    check_delete_cap,
    check_delete_settings,
)
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.errors import (
    MappingError,
    PendingWritesError,
    RunStoppedError,
    TargetError,
    TooManyRejectsError,
)
from target_salesforce_contacts.identity import ContactFinder
from target_salesforce_contacts.journal import Journal
from target_salesforce_contacts.leads import LEAD, LeadChecker, LeadPlan
from target_salesforce_contacts.ledger import Ledger, now_iso, write_summary
from target_salesforce_contacts.mapping import EMAIL, ContactMapping, StreamMapper
from target_salesforce_contacts.pipeline import Buffered, InFlight, Pipeline
from target_salesforce_contacts.planning import (
    BatchPlan,
    Incoming,
    Reject,
    Settled,
    WriteOp,
    plan,
    prepare,
)
from target_salesforce_contacts.rejects import JsonlFile, RejectsFile
from target_salesforce_contacts.report import RunStats
from target_salesforce_contacts.settings import DeleteMode, MultipleMatchPolicy, TargetSettings
from target_salesforce_contacts.state import State, StateKeeper
from target_salesforce_contacts.tracking import SyncedContacts
from target_salesforce_contacts.writers import BulkWriter, CollectionsWriter, Outcome, Report

MAX_LOGGED_IDS = 5
EXIT_SIGNAL_BASE = 128
"""A run stopped by signal ``n`` exits with status ``128 + n``, as shells report it."""


class ContactSync:
    """Looks records up, plans and writes Contacts, dead-letters rejects, counts everything.

    Attributes:
        state: When each STATE may be passed on, and whether a stop signal waits.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: TargetSettings,
        logger: logging.Logger,
        *,
        write_state: Callable[[State], None],
    ) -> None:
        """Validate the connection settings and prepare the run; sends nothing.

        Args:
            config: The plugin config (connection settings included).
            settings: The target settings.
            logger: The target's logger.
            write_state: Writes a STATE message to the output.

        Raises:
            ConfigError: Invalid connection settings (one line, no secret).
        """
        self.settings = settings
        self.logger = logger
        self.session = SalesforceSession(
            config,
            max_api_usage_percent=settings.max_api_usage_percent,
            max_api_calls=settings.max_api_calls,
            max_api_share_percent=settings.max_api_share_percent,
            backoff_base=settings.backoff_base_seconds,
        )
        install_log_redaction(
            self.session.secrets, [logger, logging.getLogger("target_salesforce_contacts")]
        )
        self.api = ContactsApi(
            self.session,
            allow_duplicate_save=settings.allow_duplicate_save,
            parallel=1 if self.session.guard.limited else settings.max_parallel_requests,
        )
        self.stats = RunStats()
        self.state = StateKeeper(write_state)
        self.run_id = uuid.uuid4().hex[:12]
        self.rejects = RejectsFile(settings.rejects_path, self.run_id)
        self.plan_file = JsonlFile(settings.plan_path, append=False)
        self.journal = Journal(settings.journal_path, self.run_id)
        self.collections = CollectionsWriter(
            self.api,
            max_retries=self.session.settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
        )
        self.bulk = BulkWriter(
            self.api,
            self.journal,
            max_retries=self.session.settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
            timeout=settings.bulk_job_timeout_seconds,
        )
        self.lead_writer = CollectionsWriter(
            self.api,
            max_retries=self.session.settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
            sobject=LEAD,
        )
        self.deleter = DeleteWriter(
            self.api,
            max_retries=self.session.settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
        )
        self.ledger = Ledger(settings.ledger_path, self.run_id) if settings.ledger_path else None
        self.tracking = SyncedContacts(settings.tracking_path)
        self.started_at = now_iso()
        self._started = time.monotonic()
        self.matched = 0
        """Contacts matched by this run's records so far (the delete cap's base)."""
        self.finder: ContactFinder | None = None
        self.accounts: AccountLinker | None = None
        self.leads: LeadChecker | None = None
        self.flag_field: str | None = None
        self.settled_jobs = 0
        """Bulk jobs an earlier, interrupted run left, settled by this run."""
        self._journal_settled = False
        self._mapping: ContactMapping | None = None
        self._mappers: dict[str, StreamMapper] = {}
        self._finished = False
        self.pipeline = Pipeline()
        """The batch whose writes run while the next one is read and looked up."""

    # -- set-up ---------------------------------------------------------------------------

    @property
    def mapping(self) -> ContactMapping:
        """The mapping checked against the org's Contact describe (describes on first use).

        Raises:
            MappingError: A mapped field is missing or not writable (before any write).
        """
        if self._mapping is None:
            schema = ContactSchema.from_describe(self.api.describe_contact())
            mapping = ContactMapping.build(self.settings, schema)
            self._check_policies(schema)
            self.finder = ContactFinder.build(self.api, self.settings, schema, mapping.external_id)
            self.flag_field = check_delete_settings(self.settings, schema)
            mapped = {f.name for f in mapping.explicit.values()} | set(mapping.static)
            self.accounts = AccountLinker.build(self.api, self.settings, schema, mapped)
            self.leads = LeadChecker.build(self.api, self.settings)
            self.collections.external_id = mapping.external_id
            self._mapping = mapping
        return self._mapping

    def _check_policies(self, schema: ContactSchema) -> None:
        """Every ``field_policies`` key names a Contact field other than Email."""
        for name in self.settings.field_policies:
            f = schema.get(name)
            if f is None:
                raise MappingError(
                    f"field_policies: Contact has no field {name!r} in this org (use API "
                    "names, e.g. Title or My_Field__c)"
                )
            if f.name == EMAIL:
                raise MappingError("field_policies cannot name Email: it identifies the Contact")
            if f.name != name:
                raise MappingError(
                    f"field_policies: write {f.name!r}, not {name!r} (API names, exact case)"
                )

    def mapper(self, stream: str) -> StreamMapper:
        """The mapping of one stream (kept across schema changes).

        Args:
            stream: The stream name.

        Returns:
            Its mapper.
        """
        if stream not in self._mappers:
            self._mappers[stream] = StreamMapper(stream, self.mapping, self.logger)
        return self._mappers[stream]

    # -- batches --------------------------------------------------------------------------

    def commit_batch(
        self,
        writer: Hashable,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        key_properties: Sequence[str] = (),
    ) -> None:
        """Write one sink's batch, pass on the STATEs now safe; stop if a signal asked to.

        Args:
            writer: The sink whose batch this is (as given to ``state.record_received``).
            stream: The stream name.
            records: The batch, in input order (may be empty).
            key_properties: The stream's key properties (for the ledger).

        Raises:
            TargetError: The batch could not be written completely (one-line message; the
                summary is logged and no STATE past the batch is passed on).
        """
        if records:
            self.state.batch_started()
            try:
                self.write_batch(stream, records, key_properties, writer=writer)
            except (SalesforceError, TargetError) as exc:
                raise self.finish_on_error(exc, stream, len(records)) from exc
        self.state.batch_written(writer)
        self._stop_if_signalled(self.state.batch_finished())

    def _stop_if_signalled(self, signum: int | None) -> None:
        """Exit after the batch being written when a stop signal arrived meanwhile."""
        if signum is None:
            return
        self.finish(stopped=True)
        self.logger.info("Stopped by signal %d after the batch being written", signum)
        sys.exit(EXIT_SIGNAL_BASE + signum)

    def settle(self) -> None:
        """Wait for the batch whose writes are in flight (accounted for, STATE passed on, then).

        A stop signal arriving meanwhile waits for it, as during any batch write.

        Raises:
            TargetError: Its writes could not be completed (the run is finished; one line).
        """
        if self.pipeline.in_flight is None:
            return
        outer = not self.state.writing
        if outer:
            self.state.batch_started()
        try:
            self._settle_in_flight()
        finally:
            signum = self.state.batch_finished() if outer else None
        self._stop_if_signalled(signum)

    def _settle_in_flight(self) -> None:
        """Wait for the batch in flight; raise what ended its writes (see :meth:`settle`)."""
        flight = self.pipeline.wait()
        if flight is None or flight.error is None:
            return
        error = flight.error
        if isinstance(error, SalesforceError | TargetError):
            raise self.finish_on_error(error, flight.stream, flight.size) from error
        raise error

    def _complete(
        self,
        flight: InFlight,
        outcomes: Sequence[tuple[Report, Outcome]],
        error: BaseException | None,
    ) -> None:
        """Account for a batch whose background writes are over (on the writes' thread).

        Its outcomes are counted, dead-lettered, ledgered and tracked in the order they were
        reported, the files flushed, and, when every write went through and ``max_rejects``
        holds, its STATEs passed on at once. The main thread touches none of these until it
        has waited for the batch (:meth:`settle`).

        Raises:
            TooManyRejectsError: ``max_rejects`` is exceeded (raised again by :meth:`settle`).
        """
        try:
            for report, outcome in outcomes:
                report(outcome)
        finally:
            self._after_writes()
        if error is None:
            self._check_max_rejects()
            self.state.batch_written(flight.token)

    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        key_properties: Sequence[str] = (),
        *,
        writer: Hashable | None = None,
    ) -> None:
        """Match, plan and write one batch; dead-letter what cannot be written.

        With ``writer`` (and ``max_parallel_requests`` above 1, not a dry run) the writes
        are pipelined: they run in the background, and the batch's records stay pending for
        the STATE keeper under a token of their own until its writes are over
        (:meth:`_complete`).
        The previous batch in flight is settled first, after the lookups of the keys it does
        not hold (see ``pipeline.py``).

        Args:
            stream: The stream name.
            records: The batch, in input order.
            key_properties: The stream's key properties (for the ledger).
            writer: The sink whose records these are (as given to ``state.record_received``).

        Raises:
            TooManyRejectsError: ``max_rejects`` is exceeded.
        """
        mapper = self.mapper(stream)
        items, local_rejects = prepare(
            stream,
            records,
            mapper,
            key_properties=key_properties,
            sync_deletes=self.settings.sync_deletes,
        )
        mapper.log_mapping()
        dry_run = self.settings.dry_run
        self._settle_journal()
        existing, key_rejects = self._find_around_writes(items, mapper)
        pipelined = False
        try:
            if not dry_run:
                for reject in local_rejects:
                    self._reject(reject)
            items = _without(items, key_rejects)
            self._check_delete_cap(stream, items, existing)
            leads = self._check_leads(items, existing, mapper)
            items = [i for i in items if i.key not in leads.taken]
            account_rejects: list[Reject] = []
            if self.accounts is not None:
                links = self.accounts.link(self._to_write(items, existing), dry_run=dry_run)
                self.stats.accounts_created += len(links.created)
                account_rejects = links.rejects
                items = _without(items, account_rejects)
                for item in items:
                    if item.key in links.ids:
                        item.values[ACCOUNT_ID] = links.ids[item.key]
            batch = plan(
                items,
                existing,
                self.mapping.schema,
                self.settings,
                external_id=self.mapping.external_id,
            )
            batch.rejects[:0] = [*key_rejects, *account_rejects]
            self._report_multiple_matches(batch)
            if dry_run:
                batch.rejects[:0] = local_rejects
                self._write_plan(batch, leads)
                return
            self.matched += len(batch.matched)
            self._settle_without_writes(batch, leads)
            if writer is not None and self.api.parallel > 1:
                # From here on the writes' thread owns the files and counts until settled.
                self.rejects.flush()
                token = _Token(stream)
                self.state.hand_off(writer, token)
                self.pipeline.start(
                    stream=stream,
                    size=len(records),
                    keys=frozenset(i.key for i in items),
                    token=token,
                    write=lambda buffered: self._send(batch, leads, buffered),
                    complete=self._complete,
                )
                pipelined = True
            else:
                self._send(batch, leads, _unbuffered)
        finally:
            if not pipelined:
                self._after_writes()
        self._check_max_rejects()

    def _find_around_writes(
        self, items: Sequence[Incoming], mapper: StreamMapper
    ) -> tuple[dict[str, list[dict[str, Any]]], list[Reject]]:
        """Look the batch up while the batch in flight writes; settle that batch meanwhile.

        Keys the batch in flight holds are looked up only once its writes are final. With
        match keys besides Email, a Contact in flight could match through another key, so
        that batch is settled before any lookup.
        """
        if self.pipeline.in_flight is None:
            return self._find(items, mapper)
        assert self.finder is not None  # built with the mapping
        if self.finder.keys != [EMAIL]:
            self.settle()
            return self._find(items, mapper)
        held = self.pipeline.pending_keys
        existing, rejects = self._find([i for i in items if i.key not in held], mapper)
        self.settle()
        later = [i for i in items if i.key in held]
        if later:
            found, more = self._find(later, mapper)
            existing.update(found)
            rejects += more
        return existing, rejects

    def _send(self, batch: BatchPlan, leads: LeadPlan, buffered: Buffered) -> None:
        """Send the batch's writes: Contacts, then Leads, then deletes."""
        self._write(batch, buffered(self._record))
        if leads.updates:
            self.lead_writer.write(leads.updates, buffered(self._record_lead))
        if batch.deletes:
            self.deleter.write(batch.deletes, buffered(self._record))

    def _after_writes(self) -> None:
        """Flush the rejects, the ledger and tracking after a batch's writes."""
        self.rejects.flush()
        if not self.settings.dry_run:
            if self.ledger is not None:
                self.ledger.sync()
            if self.settings.sync_deletes:
                self.tracking.save()

    def _check_max_rejects(self) -> None:
        max_rejects = self.settings.max_rejects
        if max_rejects is not None and self.stats.rejected > max_rejects:
            raise TooManyRejectsError(
                f"max_rejects={max_rejects} exceeded: {self.stats.rejected} records rejected "
                f"(see {self.settings.rejects_path})"
            )

    def _find(
        self, items: Sequence[Incoming], mapper: StreamMapper
    ) -> tuple[dict[str, list[dict[str, Any]]], list[Reject]]:
        """The Contacts of the batch by its match keys, reading every field planning needs."""
        extra = [
            self.mapping.external_id,
            ACCOUNT_ID if self.accounts is not None else None,
            self.flag_field,
        ]
        assert self.finder is not None  # built with the mapping
        keys = [k for k in self.finder.keys if k != EMAIL]
        fields = {*mapper.fields, *(e for e in extra if e), *keys}
        return self.finder.find(items, fields)

    def _to_write(
        self, items: Sequence[Incoming], existing: Mapping[str, list[Any]]
    ) -> list[Incoming]:
        """The records the sync mode will write (no Account is linked or created for others)."""
        mode = self.settings.sync_mode
        return [
            i
            for i in items
            if not i.deleted and (mode.updates if existing.get(i.key) else mode.creates)
        ]

    def _check_delete_cap(
        self, stream: str, items: Sequence[Incoming], existing: Mapping[str, list[Any]]
    ) -> None:
        """Stop before any write of the batch when its deletes would exceed the cap."""
        if not self.settings.sync_deletes:
            return
        policy = self.settings.on_multiple_matches
        deleting = 0
        matched = 0
        for item in items:
            found = existing.get(item.key, [])
            matched += len(found)
            if item.deleted and found:
                if policy is MultipleMatchPolicy.UPDATE_ALL:
                    deleting += len(found)
                elif policy is MultipleMatchPolicy.UPDATE_OLDEST or len(found) == 1:
                    deleting += 1
        check_delete_cap(
            deleting=deleting,
            deleted=self.stats.deleted,
            matched=self.matched + matched,
            percent=self.settings.max_delete_percent,
            where=f"stream '{stream}'",
        )

    def _check_leads(
        self,
        items: Sequence[Incoming],
        existing: Mapping[str, list[Any]],
        mapper: StreamMapper,
    ) -> LeadPlan:
        """What ``lead_policy`` does with records that match no Contact."""
        if self.leads is None:
            return LeadPlan()
        unmatched = [i for i in items if not i.deleted and not existing.get(i.key)]
        if not self.settings.sync_mode.creates:
            return LeadPlan()
        return self.leads.check(unmatched, mapper.fields)

    def _settle_without_writes(self, batch: BatchPlan, leads: LeadPlan) -> None:
        """Count, dead-letter and ledger what needs no write."""
        self.stats.unchanged += len(batch.unchanged)
        self.stats.skipped += len(batch.skipped)
        for settled in batch.unchanged:
            self._track(settled.item, settled.contact_id)
            self._ledger_settled(settled, "unchanged")
        for settled in batch.skipped:
            self._ledger_settled(settled, "skipped")
        for reject in batch.rejects:
            self._reject(reject)
        for reject in leads.skips:
            self.stats.skipped += 1
            self.rejects.add(reject)
            self._ledger(reject.item, "skipped", error_code=reject.code, lead_id=reject.lead_id)
        for item, lead_id in leads.unchanged:
            self.stats.unchanged += 1
            self._ledger(item, "unchanged", lead_id=lead_id)

    def _track(self, item: Incoming, contact_id: str | None) -> None:
        """Remember a Contact synced by a versioned record (for ACTIVATE_VERSION)."""
        if self.settings.sync_deletes and item.version is not None and contact_id:
            self.tracking.seen(item.stream, contact_id, item.version)

    def _ledger(self, item: Incoming, outcome: str, **details: Any) -> None:
        if self.ledger is None:
            return
        details.setdefault("account_id", item.values.get(ACCOUNT_ID))
        self.ledger.add(
            stream=item.stream,
            source_key=item.source_key,
            email=item.email,
            outcome=outcome,
            **details,
        )

    def _ledger_settled(self, settled: Settled, outcome: str) -> None:
        self._ledger(settled.item, outcome, contact_id=settled.contact_id)

    def _settle_journal(self) -> None:
        """Before this run's first lookup: settle the Bulk jobs an earlier run left open."""
        if self._journal_settled:
            return
        if self.settings.dry_run:
            if self.journal.entries():
                self.logger.warning(
                    "%s lists Bulk jobs an earlier run left unsettled; a dry run does not "
                    "settle them, so creates they may still make are not in this plan",
                    self.journal.path,
                )
        else:
            self.settled_jobs = self.bulk.settle_journal()
            if self.settled_jobs:
                self.logger.info("Settled the Bulk jobs left by an earlier run; looking up now")
        self._journal_settled = True

    def _write(self, batch: BatchPlan, report: Report) -> None:
        """Send the batch's writes through the path that makes each create exactly once.

        Creates: upserts on the external-ID field when there is one, otherwise one
        journaled Bulk ingest job (carrying the updates too). Updates alone: collections,
        or a Bulk job above ``bulk_threshold``.
        """
        creates, updates = batch.creates, batch.updates
        if creates and self.mapping.external_id is None:
            self.bulk.write(batch.writes, report)
            return
        if len(updates) > self.settings.bulk_threshold:
            self.bulk.write(updates, report)
            updates = []
        if creates or updates:
            self.collections.write([*creates, *updates], report)

    def _reject(self, reject: Reject) -> None:
        self.stats.rejected += 1
        self.rejects.add(reject)
        if not self.settings.dry_run:
            self._ledger(
                reject.item,
                "rejected",
                contact_id=reject.contact_id,
                lead_id=reject.lead_id,
                error_code=reject.code,
            )

    def _record(self, outcome: Outcome) -> None:
        """Count one write outcome; dead-letter a failed one; ledger and track it."""
        op = outcome.op
        if not outcome.success:
            code = outcome.code or "UNKNOWN_EXCEPTION"
            reason = self.session.redact(outcome.message or code)
            self._reject(Reject(op.item, code, reason, outcome.fields, op.contact_id))
            return
        contact_id = outcome.contact_id or op.contact_id
        if op.deletes:
            self.stats.deleted += 1
            if op.item.stream:
                self.tracking.forget(op.item.stream, [str(contact_id)])
            self._ledger(op.item, "deleted", contact_id=contact_id, fields_changed=list(op.payload))
            return
        if op.is_create:
            self.stats.created += 1
            self.stats.recovered += int(outcome.recovered)
            outcome_name = "created"
        else:
            self.stats.updated += 1
            self.stats.changed_fields.update(op.changes.keys())
            outcome_name = "updated"
        self._track(op.item, contact_id)
        self._ledger(
            op.item,
            outcome_name,
            contact_id=contact_id,
            fields_changed=list(op.payload),
            recovered=outcome.recovered,
        )

    def _record_lead(self, outcome: Outcome) -> None:
        """Count one Lead update; dead-letter a failed one."""
        op = outcome.op
        if not outcome.success:
            code = outcome.code or "UNKNOWN_EXCEPTION"
            reason = self.session.redact(f"Lead {op.contact_id}: {outcome.message or code}")
            self._reject(Reject(op.item, code, reason, outcome.fields, None, op.contact_id))
            return
        self.stats.leads_updated += 1
        self._ledger(op.item, "updated", lead_id=op.contact_id, fields_changed=list(op.payload))

    def _report_multiple_matches(self, batch: BatchPlan) -> None:
        if not batch.multiple_matches:
            return
        self.stats.multiple_matches += len(batch.multiple_matches)
        action = (
            "updating the oldest"
            if self.settings.on_multiple_matches is MultipleMatchPolicy.UPDATE_OLDEST
            else "updating all of them"
        )
        examples = "; ".join(
            f"{item.email}: {', '.join(ids)}"
            for item, ids in batch.multiple_matches[:MAX_LOGGED_IDS]
        )
        self.logger.warning(
            "%d record(s) match several Contacts, %s (%s%s)",
            len(batch.multiple_matches),
            action,
            examples,
            "; ..." if len(batch.multiple_matches) > MAX_LOGGED_IDS else "",
        )

    def _write_plan(self, batch: BatchPlan, leads: LeadPlan) -> None:
        stats = self.stats
        for op in leads.updates:
            stats.leads_updated += 1
            self.plan_file.write(
                {
                    **self._plan_entry("update_lead", op, changes=op.changes),
                    "lead_id": op.contact_id,
                }
            )
        for reject in leads.skips:
            stats.skipped += 1
            self.plan_file.write(
                {
                    "action": "skip",
                    "stream": reject.item.stream,
                    "email": reject.item.email,
                    "code": reject.code,
                    "reason": reject.reason,
                    "lead_id": reject.lead_id,
                }
            )
        for op in batch.deletes:
            stats.deleted += 1
            self.plan_file.write(self._plan_entry("delete", op))
        multiple = {id(item): ids for item, ids in batch.multiple_matches}
        for op in batch.creates:
            stats.created += 1
            self.plan_file.write(self._plan_entry("create", op, fields=op.payload))
        for op in batch.updates:
            stats.updated += 1
            stats.changed_fields.update(op.changes.keys())
            entry = self._plan_entry("update", op, changes=op.changes)
            if id(op.item) in multiple:
                entry["matches"] = multiple[id(op.item)]
            self.plan_file.write(entry)
        for settled in batch.unchanged:
            stats.unchanged += 1
            self.plan_file.write(
                {
                    "action": "unchanged",
                    "stream": settled.item.stream,
                    "email": settled.item.email,
                    "contact_id": settled.contact_id,
                }
            )
        for settled in batch.skipped:
            stats.skipped += 1
            self.plan_file.write(
                {
                    "action": "skip",
                    "stream": settled.item.stream,
                    "email": settled.item.email,
                    "contact_id": settled.contact_id,
                    "reason": settled.reason,
                }
            )
        for reject in batch.rejects:
            stats.rejected += 1
            self.plan_file.write(
                {
                    "action": "reject",
                    "stream": reject.item.stream,
                    "email": reject.item.email,
                    "code": reject.code,
                    "reason": reject.reason,
                    "fields": reject.fields,
                    "contact_id": reject.contact_id,
                    "record": reject.item.record,
                }
            )
        self.plan_file.flush()

    @staticmethod
    def _plan_entry(action: str, op: WriteOp, **extra: Any) -> dict[str, Any]:
        return {
            "action": action,
            "stream": op.item.stream,
            "email": op.item.email,
            "contact_id": op.contact_id,
            **extra,
        }

    # -- end of run -----------------------------------------------------------------------

    def summary(self, *, stopped: bool = False) -> str:
        """The summary line of the run so far.

        Args:
            stopped: The run is stopping early.

        Returns:
            One line.
        """
        return self.stats.summary(
            api_calls=self.session.calls,
            dry_run=self.settings.dry_run,
            rejects_path=self.settings.rejects_path,
            plan_path=self.settings.plan_path,
            stopped=stopped,
        )

    def finish(self, *, stopped: bool = False) -> None:
        """Log the summary and close the files (once).

        Args:
            stopped: The run ends before the end of its input.
        """
        if self._finished:
            return
        self._finished = True
        try:
            self._settle_in_flight()
        except (SalesforceError, TargetError) as error:
            self.logger.error("%s", error)
        finally:
            self.pipeline.close()
        self.rejects.close()
        self.plan_file.close()
        if self.ledger is not None:
            self.ledger.sync()
            self.ledger.close()
        if self.settings.sync_deletes and not self.settings.dry_run:
            self.tracking.save()
        self.logger.info("%s", self.summary(stopped=stopped))
        self._write_run_summary(stopped=stopped)
        self.session.close()

    def _write_run_summary(self, *, stopped: bool) -> None:
        """Write ``run_summary_path`` (when set): counts, API calls, duration."""
        path = self.settings.run_summary_path
        if path is None:
            return
        stats = self.stats
        write_summary(
            path,
            {
                "run_id": self.run_id,
                "started_at": self.started_at,
                "finished_at": now_iso(),
                "duration_seconds": round(time.monotonic() - self._started, 3),
                "stopped_early": stopped,
                "dry_run": self.settings.dry_run,
                "api_calls": self.session.calls,
                "settled_jobs_of_earlier_runs": self.settled_jobs,
                "counts": {
                    "created": stats.created,
                    "updated": stats.updated,
                    "unchanged": stats.unchanged,
                    "rejected": stats.rejected,
                    "skipped": stats.skipped,
                    "deleted": stats.deleted,
                    "accounts_created": stats.accounts_created,
                    "leads_updated": stats.leads_updated,
                    "recovered_creates": stats.recovered,
                },
                "changed_fields": dict(sorted(stats.changed_fields.items())),
                "ledger_path": str(self.settings.ledger_path) if self.ledger else None,
                "rejects_path": str(self.settings.rejects_path),
            },
        )

    def finish_on_error(self, error: Exception, stream: str, size: int) -> TargetError:
        """Finish a run that cannot go on (summary logged, files closed); build its error.

        Args:
            error: Why the batch failed.
            stream: The stream of the batch.
            size: Records in the batch.

        Returns:
            The one-line error ending the run, for the caller to raise.
        """
        self.finish(stopped=True)
        if isinstance(error, TooManyRejectsError | DeleteCapError | RunStoppedError):
            return error
        if isinstance(error, PendingWritesError):
            return RunStoppedError(
                self.session.redact(f"Run stopped in stream '{stream}': {error}")
            )
        return RunStoppedError(
            self.session.redact(
                f"Run stopped in a batch of {size} record(s) of stream '{stream}': {size} "
                f"record(s) pending, no STATE emitted past them; a rerun resumes: {error}"
            )
        )

    # -- ACTIVATE_VERSION -------------------------------------------------------------------

    def activate_version(self, stream: str, version: int) -> None:
        """Delete (or flag) the Contacts ``stream`` synced in older versions and not since.

        Only with ``sync_deletes``; the sink's pending records are written first. The cap
        ``max_delete_percent`` applies to the Contacts the stream synced.

        Args:
            stream: The stream.
            version: The activated table version.

        Raises:
            TargetError: The cap is exceeded, or deletes keep failing (one line).
        """
        if not self.settings.sync_deletes:
            self.logger.info(
                "Ignoring ACTIVATE_VERSION %s of stream '%s' (sync_deletes is off)", version, stream
            )
            return
        self.settle()
        stale = self.tracking.stale(stream, version)
        tracked = self.tracking.tracked(stream)
        self.logger.info(
            "ACTIVATE_VERSION %s of stream '%s': %d of %d synced Contact(s) not seen since",
            version,
            stream,
            len(stale),
            tracked,
        )
        if not stale:
            return
        try:
            check_delete_cap(
                deleting=len(stale),
                deleted=0,
                matched=tracked,
                percent=self.settings.max_delete_percent,
                where=f"ACTIVATE_VERSION {version} of stream '{stream}'",
            )
        except DeleteCapError as exc:
            raise self.finish_on_error(exc, stream, 0) from exc
        item = Incoming(stream, {}, None, {}, deleted=True, source_key=None, version=version)
        flag = self.flag_field
        if self.settings.delete_mode is DeleteMode.FLAG and flag is not None:
            ops = [WriteOp(item, cid, {flag: True}, {}, deletes=True) for cid in stale]
        else:
            ops = [WriteOp(item, cid, {}, deletes=True) for cid in stale]
        if self.settings.dry_run:
            for op in ops:
                self.stats.deleted += 1
                self.plan_file.write(self._plan_entry("delete", op, activate_version=version))
            return
        try:
            if self.settings.delete_mode is DeleteMode.FLAG:
                self.collections.write(ops, self._record)
            else:
                self.deleter.write(ops, self._record)
        except (SalesforceError, TargetError) as exc:
            raise self.finish_on_error(exc, stream, len(ops)) from exc
        finally:
            if self.ledger is not None:
                self.ledger.sync()
            self.tracking.save()


class _Token:
    """The pending entry of a batch in flight in the STATE keeper (one per batch)."""

    def __init__(self, stream: str) -> None:
        self.stream = stream

    def __repr__(self) -> str:
        return f"<batch of {self.stream!r} in flight>"


def _unbuffered(report: Report) -> Report:
    """Outcomes go straight to ``report`` (writes on the calling thread)."""
    return report


def _without(items: Sequence[Incoming], rejects: Sequence[Reject]) -> list[Incoming]:
    """``items`` minus the records of ``rejects``."""
    if not rejects:
        return list(items)
    gone = {id(r.item) for r in rejects}
    return [i for i in items if id(i) not in gone]
