"""JSON schemas from Salesforce describe: one type-mapping function for every field type."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

logger = logging.getLogger("tap_salesforce_plus")

PRIMARY_KEY = "Id"
REPLICATION_KEY_CANDIDATES = ("SystemModstamp", "LastModifiedDate")
"""Replication keys in order of preference; without either a stream is full-table."""

STRING_TYPES = frozenset(
    {
        "id",
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "reference",
        "email",
        "phone",
        "url",
        "combobox",
        "encryptedstring",
    }
)
INTEGER_TYPES = frozenset({"int", "long"})
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
STRING_FORMATS = {"date": "date", "datetime": "date-time", "time": "time"}

ADDRESS_PROPERTIES = {
    "street": "string",
    "city": "string",
    "state": "string",
    "postalCode": "string",
    "country": "string",
    "latitude": "number",
    "longitude": "number",
    "geocodeAccuracy": "string",
}
LOCATION_PROPERTIES = {"latitude": "number", "longitude": "number"}


def _typed(json_type: str, nullable: bool, **extra: Any) -> dict[str, Any]:
    return {"type": [json_type, "null"] if nullable else json_type, **extra}


def _compound(properties: Mapping[str, str], nullable: bool) -> dict[str, Any]:
    return _typed(
        "object",
        nullable,
        properties={name: _typed(json_type, True) for name, json_type in properties.items()},
    )


def field_schema(
    field: Mapping[str, Any], *, include_base64: bool = False
) -> dict[str, Any] | None:
    """Map one describe field to its JSON schema.

    ========================================================== =================================
    Salesforce ``type``                                        JSON schema
    ========================================================== =================================
    id, string, textarea, picklist, multipicklist, reference,  string
    email, phone, url, combobox, encryptedstring
    boolean                                                    boolean
    int, long                                                  integer
    double, currency, percent                                  number
    date / datetime / time                                     string, format date / date-time /
                                                               time
    address                                                    object {street, city, state,
                                                               postalCode, country, latitude,
                                                               longitude, geocodeAccuracy}
    location                                                   object {latitude, longitude}
    base64                                                     string, or excluded (None)
    anything else (anyType, complexvalue, ...)                 string
    ========================================================== =================================

    Every property is nullable except ``Id``.

    Args:
        field: A ``fields[]`` entry of ``sobjects/{X}/describe``.
        include_base64: Keep base64 fields (large binary bodies); excluded by default.

    Returns:
        The property schema, or None when the field is excluded.
    """
    sf_type = str(field.get("type", "")).lower()
    nullable = field.get("name") != PRIMARY_KEY
    if sf_type in STRING_TYPES:
        return _typed("string", nullable)
    if sf_type == "boolean":
        return _typed("boolean", nullable)
    if sf_type in INTEGER_TYPES:
        return _typed("integer", nullable)
    if sf_type in NUMBER_TYPES:
        return _typed("number", nullable)
    if sf_type in STRING_FORMATS:
        return _typed("string", nullable, format=STRING_FORMATS[sf_type])
    if sf_type == "address":
        return _compound(ADDRESS_PROPERTIES, nullable)
    if sf_type == "location":
        return _compound(LOCATION_PROPERTIES, nullable)
    if sf_type == "base64":
        return _typed("string", nullable) if include_base64 else None
    logger.debug("Field %s has type %r; mapped to string", field.get("name"), sf_type)
    return _typed("string", nullable)


def replication_key_for(fields: Iterable[Mapping[str, Any]]) -> str | None:
    """Choose the replication key: ``SystemModstamp``, else ``LastModifiedDate``, else None.

    Args:
        fields: The describe's ``fields``.

    Returns:
        The field name, or None for full-table replication.
    """
    datetimes = {str(f["name"]) for f in fields if str(f.get("type", "")).lower() == "datetime"}
    return next((key for key in REPLICATION_KEY_CANDIDATES if key in datetimes), None)
