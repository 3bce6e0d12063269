"""The fields a read selects: the catalog's selection minus those the org refuses.

Field-level security can hide a field from the running user although describe lists it:
the query then fails with ``INVALID_FIELD: No such column 'X' on entity 'Y'``. The REST and
Bulk readers share one :class:`FieldFilter` per read, which drops such a field (with a
warning) so the query can be sent again without it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from salesforce_common import InvalidFieldError

from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.shape import Shape

_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)' on entity '([^']+)'")


@dataclass
class FieldFilter:
    """The selected fields of one read, minus the fields the org refused so far.

    Attributes:
        selected: The shape of the properties selected in the catalog.
        object_name: The ``FROM`` object.
        replication_key: Never dropped (nor ``Id``): refusing it fails the read.
        stream_name: For messages.
        logger: Where dropped fields are reported.
        rejected: Lower-cased terms the org refused.
    """

    selected: Shape
    object_name: str
    replication_key: str | None
    stream_name: str
    logger: logging.Logger
    rejected: set[str] = field(default_factory=set)

    @property
    def shape(self) -> Shape:
        """The shape of the selected properties the org accepts."""
        return self.selected.only(
            name for name in self.selected.names if name.lower() not in self.rejected
        )

    @property
    def query_fields(self) -> list[str]:
        """REST SELECT terms: selected fields minus those the org refused."""
        return [t for t in self.shape.rest_terms() if t.lower() not in self.rejected]

    @property
    def bulk_columns(self) -> list[str]:
        """Bulk API SELECT terms: selected fields (compounds as components) minus refused."""
        return [t for t in self.shape.bulk_columns() if t.lower() not in self.rejected]

    def reject(self, error: InvalidFieldError) -> None:
        """Stop selecting the field a query was refused for, or re-raise the error.

        Args:
            error: The ``INVALID_FIELD`` error of a query.

        Raises:
            InvalidFieldError: Not a refused column, or ``Id`` or the replication key.
        """
        match = _NO_SUCH_COLUMN.search(error.message)
        if match is None:
            raise error
        column, entity = match.group(1), match.group(2)
        if entity.lower() == self.object_name.lower():
            wanted = {name.lower(): name for name in self.query_fields + self.bulk_columns}
            terms = [wanted[column.lower()]] if column.lower() in wanted else []
        else:
            terms = self.shape.parent_terms(entity, column)
        protected = {PRIMARY_KEY.lower(), (self.replication_key or "").lower()}
        if not terms or any(term.lower() in protected for term in terms):
            raise error
        for term in terms:
            self.logger.warning(
                "Dropping field %s.%s from stream %s: the query rejects it (INVALID_FIELD; "
                "field-level security hides it from this user)",
                entity,
                term.rsplit(".", 1)[-1],
                self.stream_name,
            )
            self.rejected.add(term.lower())
