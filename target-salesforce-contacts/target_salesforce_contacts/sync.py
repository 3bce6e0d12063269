"""One run of the target: the session, the checked mapping, how each batch is written, STATE."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from salesforce_common import SalesforceError, SalesforceSession
from salesforce_common.redaction import install_log_redaction

from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.errors import (
    PendingWritesError,
    RunStoppedError,
    TargetError,
    TooManyRejectsError,
)
from target_salesforce_contacts.journal import Journal
from target_salesforce_contacts.mapping import ContactMapping, StreamMapper
from target_salesforce_contacts.planning import BatchPlan, Reject, WriteOp, plan, prepare
from target_salesforce_contacts.rejects import JsonlFile, RejectsFile
from target_salesforce_contacts.report import RunStats
from target_salesforce_contacts.settings import MultipleMatchPolicy, TargetSettings
from target_salesforce_contacts.state import State, StateKeeper
from target_salesforce_contacts.writers import BulkWriter, CollectionsWriter, Outcome

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
            backoff_base=settings.backoff_base_seconds,
        )
        install_log_redaction(
            self.session.secrets, [logger, logging.getLogger("target_salesforce_contacts")]
        )
        self.api = ContactsApi(self.session, allow_duplicate_save=settings.allow_duplicate_save)
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
        self._journal_settled = False
        self._mapping: ContactMapping | None = None
        self._mappers: dict[str, StreamMapper] = {}
        self._finished = False

    # -- set-up ---------------------------------------------------------------------------

    @property
    def mapping(self) -> ContactMapping:
        """The mapping checked against the org's Contact describe (describes on first use).

        Raises:
            MappingError: A mapped field is missing or not writable (before any write).
        """
        if self._mapping is None:
            schema = ContactSchema.from_describe(self.api.describe_contact())
            self._mapping = ContactMapping.build(self.settings, schema)
            self.collections.external_id = self._mapping.external_id
        return self._mapping

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
        self, writer: Hashable, stream: str, records: Sequence[Mapping[str, Any]]
    ) -> None:
        """Write one sink's batch, pass on the STATEs now safe; stop if a signal asked to.

        Args:
            writer: The sink whose batch this is (as given to ``state.record_received``).
            stream: The stream name.
            records: The batch, in input order (may be empty).

        Raises:
            TargetError: The batch could not be written completely (one-line message; the
                summary is logged and no STATE past the batch is passed on).
        """
        if records:
            self.state.batch_started()
            try:
                self.write_batch(stream, records)
            except (SalesforceError, TargetError) as exc:
                raise self.finish_on_error(exc, stream, len(records)) from exc
        self.state.batch_written(writer)
        signum = self.state.batch_finished()
        if signum is not None:
            self.finish(stopped=True)
            self.logger.info("Stopped by signal %d after the batch being written", signum)
            sys.exit(EXIT_SIGNAL_BASE + signum)

    def write_batch(self, stream: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Match, plan and write one batch; dead-letter what cannot be written.

        Args:
            stream: The stream name.
            records: The batch, in input order.

        Raises:
            TooManyRejectsError: ``max_rejects`` is exceeded.
        """
        mapper = self.mapper(stream)
        items, local_rejects = prepare(stream, records, mapper)
        mapper.log_mapping()
        try:
            if not self.settings.dry_run:
                for reject in local_rejects:
                    self._reject(reject)
            self._settle_journal()
            external_id = self.mapping.external_id
            fields = sorted({*mapper.fields, *([external_id] if external_id else [])})
            existing = self.api.find_by_email([str(i.email) for i in items], fields)
            batch = plan(
                items, existing, self.mapping.schema, self.settings, external_id=external_id
            )
            self._report_multiple_matches(batch)
            if self.settings.dry_run:
                batch.rejects[:0] = local_rejects
                self._write_plan(batch)
                return
            self.stats.unchanged += len(batch.unchanged)
            self.stats.skipped += len(batch.skipped)
            for reject in batch.rejects:
                self._reject(reject)
            self._write(batch)
        finally:
            self.rejects.flush()
        max_rejects = self.settings.max_rejects
        if max_rejects is not None and self.stats.rejected > max_rejects:
            raise TooManyRejectsError(
                f"max_rejects={max_rejects} exceeded: {self.stats.rejected} records rejected "
                f"(see {self.settings.rejects_path})"
            )

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
        elif self.bulk.settle_journal():
            self.logger.info("Settled the Bulk jobs left by an earlier run; looking up now")
        self._journal_settled = True

    def _write(self, batch: BatchPlan) -> None:
        """Send the batch's writes through the path that makes each create exactly once.

        Creates: upserts on the external-ID field when there is one, otherwise one
        journaled Bulk ingest job (carrying the updates too). Updates alone: collections,
        or a Bulk job above ``bulk_threshold``.
        """
        creates, updates = batch.creates, batch.updates
        if creates and self.mapping.external_id is None:
            self.bulk.write(batch.writes, self._record)
            return
        if len(updates) > self.settings.bulk_threshold:
            self.bulk.write(updates, self._record)
            updates = []
        if creates or updates:
            self.collections.write([*creates, *updates], self._record)

    def _reject(self, reject: Reject) -> None:
        self.stats.rejected += 1
        self.rejects.add(reject)

    def _record(self, outcome: Outcome) -> None:
        """Count one write outcome; dead-letter a failed one."""
        op = outcome.op
        if not outcome.success:
            code = outcome.code or "UNKNOWN_EXCEPTION"
            reason = self.session.redact(outcome.message or code)
            self._reject(Reject(op.item, code, reason, outcome.fields, op.contact_id))
        elif op.is_create:
            self.stats.created += 1
            self.stats.recovered += int(outcome.recovered)
        else:
            self.stats.updated += 1
            self.stats.changed_fields.update(op.changes.keys())

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

    def _write_plan(self, batch: BatchPlan) -> None:
        stats = self.stats
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
        self.rejects.close()
        self.plan_file.close()
        self.logger.info("%s", self.summary(stopped=stopped))
        self.session.close()

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
        if isinstance(error, TooManyRejectsError):
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
