"""Object and field metadata of the emulated org: what describe reports and how rows are stored.

Every object is stored as one SQLite table named after its API name, one column per stored
field. Compound fields (``address``, ``location``) are not stored: they are assembled from their
component fields. Calculated (formula) fields are not stored either: ``formula_sql`` is an SQL
expression evaluated at query time, in which ``{t}`` stands for the object's table alias.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

STRING_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "email",
        "phone",
        "url",
        "combobox",
        "encryptedstring",
    }
)
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
INTEGER_TYPES = frozenset({"int", "long"})
COMPOUND_TYPES = frozenset({"address", "location"})

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "long": "xsd:long",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
}

# Keys of a compound value and the component-name suffix they come from.
ADDRESS_PARTS = (
    ("street", "Street", "textarea"),
    ("city", "City", "string"),
    ("state", "State", "string"),
    ("postalCode", "PostalCode", "string"),
    ("country", "Country", "string"),
    ("latitude", "Latitude", "double"),
    ("longitude", "Longitude", "double"),
    ("geocodeAccuracy", "GeocodeAccuracy", "picklist"),
)


def valid_for_bitmap(controller_values: tuple[str, ...], valid: tuple[str, ...]) -> str:
    """Base64 ``validFor``: bit i (most significant first in each byte) = controller value i."""
    bits = bytearray((len(controller_values) + 7) // 8)
    for index, value in enumerate(controller_values):
        if value in valid:
            bits[index // 8] |= 0x80 >> (index % 8)
    return base64.b64encode(bytes(bits)).decode("ascii")


def dependent_picklist(
    name: str, controller: FieldDef, valid_for: dict[str, tuple[str, ...]], **kw: object
) -> FieldDef:
    """A picklist whose values each depend on the ``controller`` picklist's values.

    Args:
        name: The field's API name.
        controller: The controlling picklist.
        valid_for: Controlling value -> the dependent values valid for it.
        kw: More field attributes.

    Returns:
        The field (its values in first-seen order).
    """
    values = tuple(dict.fromkeys(v for subs in valid_for.values() for v in subs))
    controlling = tuple(
        tuple(c for c in controller.picklist_values if v in valid_for.get(c, ())) for v in values
    )
    return typed(
        name,
        "picklist",
        picklist_values=values,
        controller_name=controller.name,
        controller_values=controller.picklist_values,
        valid_for=controlling,
        **kw,
    )


@dataclass(frozen=True)
class FieldDef:
    """One field as describe reports it."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    calculated: bool = False
    formula_sql: str | None = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    compound_field_name: str | None = None
    compound_parts: tuple[tuple[str, str], ...] = ()
    picklist_values: tuple[str, ...] = ()
    default_value: object = None
    external_id: bool = False
    id_lookup: bool = False
    unique: bool = False
    case_sensitive: bool = False
    custom: bool = False
    controller_name: str | None = None
    """A dependent picklist's controlling field."""
    controller_values: tuple[str, ...] = ()
    """The controlling field's picklist values, in order (bit i of ``validFor`` is value i)."""
    valid_for: tuple[tuple[str, ...], ...] = ()
    """A dependent picklist's controlling values, one tuple per picklist value."""
    auto_number: bool = False
    """An auto-number field (``Case.CaseNumber``): read-only, filled on create."""
    name_field: bool | None = None
    """The object's name field; None: the field named ``Name`` (``Case.CaseNumber`` is one)."""
    extra_type_info: str | None = None
    """``extraTypeInfo``: ``personname``, ``imageurl``, ``plaintextarea``, ``richtextarea``..."""
    restricted_picklist: bool = False
    cascade_delete: bool = False
    """Deleting the parent deletes this record (``OpportunityLineItem.OpportunityId``)."""
    html_formatted: bool = False
    permissionable: bool | None = None
    """Field-level security can be set; None: any optional field, or a boolean, but no system
    field."""
    child_relationship: str | None = None
    """The name of the parent's child relationship through this lookup (``Contacts``)."""

    @property
    def is_compound(self) -> bool:
        """True for address and location fields, which are assembled from components."""
        return self.type in COMPOUND_TYPES

    @property
    def is_stored(self) -> bool:
        """True when the field is a column of the object's table."""
        return not self.is_compound and not self.calculated

    @property
    def is_text(self) -> bool:
        """True for fields compared case-insensitively (text, not Ids)."""
        return self.type in STRING_TYPES

    @property
    def is_long_text(self) -> bool:
        """Long text (over 255 characters) and binary: not filterable, groupable or sortable."""
        return (self.type == "textarea" and self.length > 255) or self.type == "base64"

    @property
    def sql_type(self) -> str:
        """The SQLite column type (with collation for text)."""
        if self.type in STRING_TYPES:
            return "TEXT COLLATE NOCASE"
        if self.type in ("boolean", *INTEGER_TYPES):
            return "INTEGER"
        if self.type in NUMBER_TYPES:
            return "REAL"
        return "TEXT"

    @property
    def is_polymorphic(self) -> bool:
        """True for a lookup that can point at several objects (``WhoId``, ``WhatId``)."""
        return self.type == "reference" and len(self.reference_to) > 1

    @property
    def is_person_name(self) -> bool:
        """True for the compound ``Name`` of a person (Contact, Lead, User).

        Salesforce builds it from ``Salutation``, ``FirstName`` and ``LastName`` and describes it
        as a read-only string, not as a formula; the emulator computes it at query time.
        """
        return self.extra_type_info == "personname"

    def describe_picklist_values(self) -> list[dict[str, object]]:
        """``picklistValues``; a dependent picklist's carry ``validFor`` bitmaps."""
        return [
            {
                "active": True,
                "defaultValue": v == self.default_value,
                "label": v,
                "validFor": valid_for_bitmap(self.controller_values, self.valid_for[i])
                if self.controller_name
                else None,
                "value": v,
            }
            for i, v in enumerate(self.picklist_values)
        ]

    def _permissionable(self) -> bool:
        if self.permissionable is not None:
            return self.permissionable
        if self.name in SYSTEM_FIELD_NAMES or self.is_compound or self.is_person_name:
            return False
        return self.nillable or self.type == "boolean"

    def describe(self) -> dict[str, object]:
        """The field's entry in ``sobjects/{X}/describe``: every DescribeFieldResult key."""
        soap_type = SOAP_TYPES.get(self.type, "xsd:string")
        is_string = self.type in STRING_TYPES or self.type in ID_TYPES
        picklist_default = self.type in ("picklist", "multipicklist", "combobox")
        return {
            "aggregatable": not self.is_long_text and not self.is_compound,
            "aiPredictionField": False,
            "autoNumber": self.auto_number,
            "byteLength": (self.length if self.type in ID_TYPES else self.length * 3)
            if is_string
            else 0,
            "calculated": self.calculated and not self.is_person_name,
            "calculatedFormula": self.formula_sql
            if self.calculated and not self.is_person_name
            else None,
            "cascadeDelete": self.cascade_delete,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": self.compound_field_name,
            "controllerName": self.controller_name,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": None if picklist_default else self.default_value,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": self.controller_name is not None,
            "deprecatedAndHidden": False,
            "digits": self.precision if self.type in INTEGER_TYPES else 0,
            "displayLocationInDecimal": self.type == "location",
            "encrypted": self.type == "encryptedstring",
            "externalId": self.external_id,
            "extraTypeInfo": self.extra_type_info,
            "filterable": not self.is_long_text and not self.is_compound,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": not self.is_long_text
            and not self.is_compound
            and self.type not in ("double", "currency", "percent", "datetime", "multipicklist"),
            "highScaleNumber": False,
            "htmlFormatted": self.html_formatted,
            "idLookup": self.id_lookup,
            "inlineHelpText": None,
            "label": self.label or self.name,
            "length": self.length if is_string else 0,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name == "Name" if self.name_field is None else self.name_field,
            "namePointing": self.is_polymorphic,
            "nillable": self.nillable,
            "permissionable": self._permissionable(),
            "picklistValues": self.describe_picklist_values(),
            "polymorphicForeignKey": self.is_polymorphic,
            "precision": self.precision if self.type in NUMBER_TYPES else 0,
            "queryByDistance": self.is_compound,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale if self.type in NUMBER_TYPES else 0,
            "searchPrefilterable": self.type == "reference",
            "soapType": soap_type,
            "sortable": not self.is_long_text
            and not self.is_compound
            and self.type != "multipicklist",
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }


SYSTEM_FIELD_NAMES = frozenset(
    {
        "Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
        "SystemModstamp", "LastViewedDate", "LastReferencedDate", "MasterRecordId",
    }
)  # fmt: skip
"""Audit fields: no field-level security (``permissionable: false``)."""


@dataclass(frozen=True)
class ChildRelationship:
    """A lookup of another object pointing at this one (``Contact.AccountId`` for Account)."""

    child: str
    field: str
    name: str | None
    cascade_delete: bool = False

    def describe(self) -> dict[str, object]:
        """The entry in describe's ``childRelationships``."""
        return {
            "cascadeDelete": self.cascade_delete,
            "childSObject": self.child,
            "deprecatedAndHidden": False,
            "field": self.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": self.name,
            "restrictedDelete": False,
        }


@dataclass(frozen=True)
class ObjectDef:
    """One sObject: its describe metadata and its fields, in describe order."""

    name: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    label: str = ""
    label_plural: str = ""
    custom: bool = False
    queryable: bool = True
    bulk_supported: bool = True
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    replicateable: bool = True
    child_relationships: tuple[ChildRelationship, ...] = field(default=(), compare=False)
    """Lookups of other objects that point here (filled in by the Catalog)."""
    _by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Index the fields by lower-case name."""
        self._by_name.update({f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> FieldDef | None:
        """Find a field by name, ignoring case as Salesforce does."""
        return self._by_name.get(name.lower())

    def has_field(self, name: str) -> bool:
        """True when the object has a field of that name (any case)."""
        return name.lower() in self._by_name

    @property
    def stored_fields(self) -> tuple[FieldDef, ...]:
        """Fields that are table columns."""
        return tuple(f for f in self.fields if f.is_stored)

    def components_of(self, compound: FieldDef) -> tuple[tuple[str, FieldDef], ...]:
        """The (key, component field) pairs that make up a compound field."""
        parts = []
        for key, component_name in compound.compound_parts:
            component = self.field(component_name)
            if component is not None:
                parts.append((key, component))
        return tuple(parts)

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (any case)."""
        wanted = name.lower()
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == wanted:
                return f
        return None

    def describe_global_entry(self) -> dict[str, object]:
        """The object's entry in the global describe (``/sobjects``), less its ``urls``."""
        return {
            "activateable": False,
            "associateEntityType": None,
            "associateParentEntity": None,
            "createable": self.createable,
            "custom": self.custom,
            "customSetting": False,
            "deepCloneable": False,
            "deletable": self.deletable,
            "deprecatedAndHidden": False,
            "feedEnabled": not self.custom,
            "hasSubtypes": False,
            "isInterface": False,
            "isSubtype": False,
            "keyPrefix": self.key_prefix,
            "label": self.label or self.name,
            "labelPlural": self.label_plural or (self.label or self.name) + "s",
            "layoutable": True,
            "mergeable": self.name in ("Account", "Contact", "Lead"),
            "mruEnabled": True,
            "name": self.name,
            "queryable": self.queryable,
            "replicateable": self.queryable and self.replicateable,
            "retrieveable": True,
            "searchable": True,
            "triggerable": True,
            "undeletable": self.deletable,
            "updateable": self.updateable,
        }

    def with_field(self, added: FieldDef) -> ObjectDef:
        """The object with one more field (appended to describe's field list)."""
        return replace(self, fields=(*self.fields, added), _by_name={})

    def describe_details(self) -> dict[str, object]:
        """What ``sobjects/{X}/describe`` adds to the global entry (fields, layouts...)."""
        standard = [f.describe() for f in self.fields if not f.custom]
        return {
            "actionOverrides": [],
            "childRelationships": [c.describe() for c in self.child_relationships],
            "compactLayoutable": True,
            "dataTranslationEnabled": False,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            # standard fields first, custom fields after them, as an org lists them
            "fields": standard + [f.describe() for f in self.fields if f.custom],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All", "name": "everything"}],
        }


# --- field builders -------------------------------------------------------------------------


def text(name: str, length: int = 255, **kw: object) -> FieldDef:
    """A string field."""
    return FieldDef(name, "string", length=length, **kw)  # type: ignore[arg-type]


def typed(name: str, sf_type: str, **kw: object) -> FieldDef:
    """A field of any type with sensible lengths and precisions."""
    defaults: dict[str, object] = {}
    if sf_type == "string":
        defaults["length"] = 255
    if sf_type in ("textarea",):
        defaults["length"] = 32000
        defaults["extra_type_info"] = "plaintextarea"
    elif sf_type in ("email", "phone", "url", "picklist", "multipicklist", "combobox"):
        defaults["length"] = 80 if sf_type == "email" else 255
        if sf_type == "phone":
            defaults["length"] = 40
        if sf_type == "multipicklist":
            defaults["length"] = 4099
    elif sf_type in NUMBER_TYPES:
        defaults.update(precision=18, scale=2)
    elif sf_type in INTEGER_TYPES:
        defaults["precision"] = 9
    elif sf_type in ID_TYPES:
        defaults["length"] = 18
    defaults.update(kw)
    return FieldDef(name, sf_type, **defaults)  # type: ignore[arg-type]


def picklist(name: str, *values: str, **kw: object) -> FieldDef:
    """A picklist field with its values."""
    return typed(name, "picklist", picklist_values=values, **kw)


def multipicklist(name: str, *values: str, **kw: object) -> FieldDef:
    """A multi-select picklist with its values."""
    return typed(name, "multipicklist", picklist_values=values, **kw)


def ref(name: str, *targets: str, relationship: str | None = None, **kw: object) -> FieldDef:
    """A lookup field pointing at ``targets``; the relationship name defaults to ``name`` - Id."""
    rel = relationship or (name[:-2] if name.endswith("Id") else name.replace("__c", "__r"))
    return typed(name, "reference", reference_to=targets, relationship_name=rel, **kw)


def readonly(f: FieldDef) -> FieldDef:
    """The same field, neither createable nor updateable."""
    return replace(f, createable=False, updateable=False)


def required(f: FieldDef) -> FieldDef:
    """The same field, required on create."""
    return replace(f, nillable=False)


def formula(name: str, sf_type: str, sql: str, **kw: object) -> FieldDef:
    """A calculated field computed at query time by an SQL expression over ``{t}``."""
    return readonly(typed(name, sf_type, calculated=True, formula_sql=sql, **kw))


def custom(f: FieldDef) -> FieldDef:
    """Mark a field as custom (its name ends in ``__c``)."""
    return replace(f, custom=True)


GEOCODE_ACCURACY = (
    "Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City",
    "County", "State", "Unknown",
)  # fmt: skip


ADDRESS_LENGTHS = {
    "Street": 255, "City": 40, "State": 80, "PostalCode": 20, "Country": 80, "GeocodeAccuracy": 40,
}  # fmt: skip


def address(prefix: str) -> Iterator[FieldDef]:
    """An address compound field and its components (``BillingStreet``, ...)."""
    compound = f"{prefix}Address"
    parts = tuple((key, prefix + suffix) for key, suffix, _ in ADDRESS_PARTS)
    yield readonly(FieldDef(compound, "address", compound_parts=parts))
    for _key, suffix, sf_type in ADDRESS_PARTS:
        kw: dict[str, object] = {"compound_field_name": compound}
        if sf_type == "picklist":
            kw["picklist_values"] = GEOCODE_ACCURACY
        if suffix in ADDRESS_LENGTHS:
            kw["length"] = ADDRESS_LENGTHS[suffix]
        if sf_type == "double":
            kw.update(precision=18, scale=15)
        yield typed(prefix + suffix, sf_type, **kw)


def location(name: str) -> Iterator[FieldDef]:
    """A custom geolocation field (``Location__c``) and its two components."""
    stem = name.removesuffix("__c")
    lat, lon = f"{stem}__Latitude__s", f"{stem}__Longitude__s"
    parts = (("latitude", lat), ("longitude", lon))
    yield readonly(FieldDef(name, "location", compound_parts=parts, custom=True))
    for part in (lat, lon):
        yield typed(part, "double", precision=18, scale=15, compound_field_name=name, custom=True)


OWNED_BY_USER = ("User",)
OWNED_BY_QUEUE = ("Group", "User")
"""Owners of objects that queues can own: ``OwnerId`` is polymorphic (``Group`` is a queue)."""


def system_fields(
    *,
    owner: bool = True,
    deletable: bool = True,
    created: bool = True,
    owners: tuple[str, ...] = OWNED_BY_USER,
) -> list[FieldDef]:
    """Id and the audit fields every object carries.

    ``OwnerId`` is required but defaulted on create (to the running user), as in an org.
    """
    fields = [readonly(required(typed("Id", "id", id_lookup=True, defaulted_on_create=True)))]
    if owner:
        fields.append(
            required(ref("OwnerId", *owners, relationship="Owner", defaulted_on_create=True))
        )
    if deletable:
        fields.append(readonly(required(typed("IsDeleted", "boolean", defaulted_on_create=True))))
    if created:
        fields += [
            readonly(required(typed("CreatedDate", "datetime", defaulted_on_create=True))),
            readonly(required(ref("CreatedById", "User", defaulted_on_create=True))),
        ]
    fields += [
        readonly(required(typed("LastModifiedDate", "datetime", defaulted_on_create=True))),
        readonly(required(ref("LastModifiedById", "User", defaulted_on_create=True))),
        readonly(required(typed("SystemModstamp", "datetime", defaulted_on_create=True))),
    ]
    return fields


NAME_SQL = "TRIM(COALESCE({t}.\"FirstName\" || ' ', '') || COALESCE({t}.\"LastName\", ''))"


def person_name() -> list[FieldDef]:
    """Salutation, FirstName, LastName and the read-only compound Name built from them.

    The Name is described as an org does (a read-only string, not calculated, no
    ``compoundFieldName`` of its own; its parts name it); the emulator computes it from its
    parts at query time.
    """
    return [
        picklist("Salutation", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", compound_field_name="Name"),
        text("FirstName", 40, compound_field_name="Name"),
        required(text("LastName", 80, compound_field_name="Name")),
        required(
            formula(
                "Name", "string", NAME_SQL, length=121, label="Full Name",
                extra_type_info="personname",
            )
        ),
    ]  # fmt: skip


def parent_value_sql(parent: str, parent_field: str, fk: str) -> str:
    """SQL for a formula that shows a field of a parent record (changes without SystemModstamp)."""
    return f'(SELECT p."{parent_field}" FROM "{parent}" p WHERE p."Id" = {{t}}."{fk}")'


# --- the standard and demo custom objects ---------------------------------------------------

INDUSTRIES = (
    "Agriculture", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment",
    "Finance", "Healthcare", "Hospitality", "Insurance", "Manufacturing", "Media",
    "Retail", "Technology", "Telecommunications", "Transportation", "Utilities", "Other",
)  # fmt: skip
SUB_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Agriculture": ("Crop Farming", "Livestock", "Other"),
    "Banking": ("Retail Banking", "Investment Banking", "Other"),
    "Biotechnology": ("Pharmaceuticals", "Genomics", "Other"),
    "Chemicals": ("Specialty Chemicals", "Petrochemicals", "Other"),
    "Communications": ("Wireless", "Broadcasting", "Other"),
    "Construction": ("Residential", "Commercial", "Other"),
    "Consulting": ("Management Consulting", "IT Services", "Other"),
    "Education": ("Higher Education", "K-12", "E-Learning", "Other"),
    "Electronics": ("Semiconductors", "Consumer Electronics", "Other"),
    "Energy": ("Oil & Gas", "Renewables", "Other"),
    "Engineering": ("Civil Engineering", "Mechanical Engineering", "Other"),
    "Entertainment": ("Gaming", "Film & Television", "Other"),
    "Finance": ("Asset Management", "Investment Banking", "Payments", "Other"),
    "Healthcare": ("Hospitals", "Medical Devices", "Pharmaceuticals", "Other"),
    "Hospitality": ("Hotels", "Restaurants", "Other"),
    "Insurance": ("Life Insurance", "Property & Casualty", "Other"),
    "Manufacturing": ("Automotive", "Industrial Machinery", "Other"),
    "Media": ("Publishing", "Broadcasting", "Other"),
    "Retail": ("E-Commerce", "Grocery", "Apparel", "Other"),
    "Technology": ("Software", "Hardware", "IT Services", "Other"),
    "Telecommunications": ("Wireless", "Fixed Line", "Other"),
    "Transportation": ("Logistics", "Airlines", "Rail", "Other"),
    "Utilities": ("Electric", "Water", "Other"),
    "Other": ("Other",),
}
"""Account ``Sub_Industry__c`` values valid for each ``Industry`` (a dependent picklist)."""
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
RATINGS = ("Hot", "Warm", "Cold")
CLEAN_STATUSES = (
    "Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch",
    "Skipped",
)  # fmt: skip
"""Data.com ``CleanStatus`` values (Account, Contact, Lead)."""


def clean_status() -> FieldDef:
    """Data.com's ``CleanStatus`` (Account, Contact, Lead)."""
    return picklist("CleanStatus", *CLEAN_STATUSES, label="Clean Status", restricted_picklist=True)


STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
    "Closed Lost",
)  # fmt: skip


def _account() -> ObjectDef:
    industry = picklist("Industry", *INDUSTRIES)
    return ObjectDef(
        "Account",
        "001",
        label="Account",
        fields=(
            *system_fields(),
            required(text("Name", 255, label="Account Name", id_lookup=True)),
            picklist(
                "Type", "Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"
            ),
            ref("ParentId", "Account", relationship="Parent", child_relationship="ChildAccounts"),
            readonly(ref("MasterRecordId", "Account", relationship="MasterRecord")),
            *address("Billing"),
            *address("Shipping"),
            typed("Phone", "phone"),
            typed("Fax", "phone"),
            typed("Website", "url"),
            readonly(typed("PhotoUrl", "url", extra_type_info="imageurl")),
            industry,
            typed("AnnualRevenue", "currency"),
            typed("NumberOfEmployees", "int", precision=8),
            typed("Description", "textarea"),
            picklist("AccountSource", *LEAD_SOURCES),
            text("SicDesc", 80),
            text("Jigsaw", 20),
            readonly(text("JigsawCompanyId", 20)),
            readonly(typed("LastActivityDate", "date")),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            custom(
                picklist(
                    "Customer_Tier__c",
                    "Bronze",
                    "Silver",
                    "Gold",
                    "Platinum",
                    label="Customer Tier",
                )
            ),
            custom(typed("Health_Score__c", "percent", label="Health Score")),
            custom(
                text("Account_Number_Ext__c", 40, external_id=True, id_lookup=True, unique=True)
            ),
            *location("Headquarters__c"),
            custom(
                formula(
                    "Revenue_Band__c",
                    "string",
                    'CASE WHEN {t}."AnnualRevenue" IS NULL THEN NULL '
                    "WHEN {t}.\"AnnualRevenue\" >= 100000000 THEN 'Enterprise' "
                    "WHEN {t}.\"AnnualRevenue\" >= 10000000 THEN 'Mid-Market' ELSE 'SMB' END",
                    length=1300,
                )
            ),
            custom(
                dependent_picklist(
                    "Sub_Industry__c", industry, SUB_INDUSTRIES, label="Sub-Industry"
                )
            ),
            # standard fields added later: after the others, so demo rows keep their values
            text("AccountNumber", 40, label="Account Number"),
            text("Site", 80, label="Account Site"),
            text("Sic", 20, label="SIC Code"),
            picklist("Ownership", "Public", "Private", "Subsidiary", "Other"),
            text("TickerSymbol", 20, label="Ticker Symbol"),
            picklist("Rating", *RATINGS, label="Account Rating"),
            clean_status(),
            text("DunsNumber", 9, label="D-U-N-S Number"),
            text("Tradestyle", 255),
            text("NaicsCode", 8, label="NAICS Code"),
            text("NaicsDesc", 120, label="NAICS Description"),
            text("YearStarted", 4, label="Year Started"),
            ref("DandbCompanyId", "DandBCompany", label="D&B Company ID"),
        ),
    )


def _contact() -> ObjectDef:
    return ObjectDef(
        "Contact",
        "003",
        fields=(
            *system_fields(),
            ref("AccountId", "Account", label="Account ID", child_relationship="Contacts"),
            *person_name(),
            readonly(ref("MasterRecordId", "Contact", relationship="MasterRecord")),
            *address("Mailing"),
            *address("Other"),
            typed("Phone", "phone"),
            typed("Fax", "phone"),
            typed("MobilePhone", "phone"),
            typed("HomePhone", "phone"),
            typed("OtherPhone", "phone"),
            text("AssistantName", 40),
            typed("AssistantPhone", "phone"),
            ref("ReportsToId", "Contact", relationship="ReportsTo"),
            typed("Email", "email", id_lookup=True),
            text("Title", 128),
            text("Department", 80),
            picklist("LeadSource", *LEAD_SOURCES),
            typed("Birthdate", "date"),
            typed("Description", "textarea"),
            typed(
                "HasOptedOutOfEmail",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            typed(
                "DoNotCall",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(typed("LastActivityDate", "date")),
            readonly(typed("LastCURequestDate", "datetime")),
            readonly(typed("LastCUUpdateDate", "datetime")),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            picklist("ContactSource", "Web", "Event", "Import", "Partner"),
            readonly(text("JigsawContactId", 20)),
            text("EmailBouncedReason", 255),
            typed("EmailBouncedDate", "datetime"),
            readonly(typed("IsEmailBounced", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("PhotoUrl", "url", extra_type_info="imageurl")),
            text("Jigsaw", 20),
            custom(text("Languages__c", 100, label="Languages")),
            custom(picklist("Level__c", "Primary", "Secondary", "Tertiary", label="Level")),
            custom(multipicklist("Interests__c", "Analytics", "Cloud", "Security", "AI", "Mobile")),
            custom(typed("Preferred_Contact_Time__c", "time")),
            custom(typed("Lifetime_Value__c", "currency")),
            custom(
                formula(
                    "Account_Name__c",
                    "string",
                    parent_value_sql("Account", "Name", "AccountId"),
                    length=1300,
                )
            ),
            # standard fields added later: after the others, so demo rows keep their values
            typed(
                "HasOptedOutOfFax",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
                label="Fax Opt Out",
            ),
            clean_status(),
            ref("IndividualId", "Individual", label="Individual ID"),
        ),
    )


def _lead() -> ObjectDef:
    return ObjectDef(
        "Lead",
        "00Q",
        fields=(
            *system_fields(owners=OWNED_BY_QUEUE),
            *person_name(),
            text("Title", 128),
            required(text("Company", 255)),
            *address(""),
            typed("Phone", "phone"),
            typed("MobilePhone", "phone"),
            typed("Fax", "phone"),
            typed("Email", "email", id_lookup=True),
            typed("Website", "url"),
            readonly(typed("PhotoUrl", "url", extra_type_info="imageurl")),
            typed("Description", "textarea"),
            picklist("LeadSource", *LEAD_SOURCES),
            required(
                picklist(
                    "Status",
                    "Open - Not Contacted",
                    "Working - Contacted",
                    "Closed - Converted",
                    "Closed - Not Converted",
                    defaulted_on_create=True,
                    default_value="Open - Not Contacted",
                )
            ),
            picklist("Industry", *INDUSTRIES),
            picklist("Rating", "Hot", "Warm", "Cold"),
            typed("AnnualRevenue", "currency"),
            typed("NumberOfEmployees", "int", precision=8),
            typed(
                "HasOptedOutOfEmail",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(typed("IsConverted", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("ConvertedDate", "date")),
            readonly(ref("ConvertedAccountId", "Account")),
            readonly(ref("ConvertedContactId", "Contact")),
            readonly(ref("ConvertedOpportunityId", "Opportunity")),
            typed(
                "IsUnreadByOwner",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            typed(
                "DoNotCall",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(typed("LastActivityDate", "date")),
            text("Jigsaw", 20),
            text("EmailBouncedReason", 255),
            typed("EmailBouncedDate", "datetime"),
            custom(picklist("Product_Interest__c", "GC1000 series", "GC5000 series", "None")),
            custom(typed("Score__c", "double", precision=5, scale=1)),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(ref("MasterRecordId", "Lead", relationship="MasterRecord")),
            typed(
                "HasOptedOutOfFax",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
                label="Fax Opt Out",
            ),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            readonly(typed("LastTransferDate", "date")),
            readonly(text("JigsawContactId", 20)),
            clean_status(),
            text("CompanyDunsNumber", 9, label="Company D-U-N-S Number"),
            ref("DandbCompanyId", "DandBCompany", label="D&B Company ID"),
            ref("IndividualId", "Individual", label="Individual ID"),
        ),
    )


def _opportunity() -> ObjectDef:
    return ObjectDef(
        "Opportunity",
        "006",
        fields=(
            *system_fields(),
            ref("AccountId", "Account", child_relationship="Opportunities"),
            typed(
                "IsPrivate",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
                label="Private",
            ),
            required(text("Name", 120, label="Name", id_lookup=True)),
            typed("Description", "textarea"),
            required(picklist("StageName", *STAGES)),
            typed("Amount", "currency"),
            typed("Probability", "percent", precision=3, scale=0),
            formula(
                "ExpectedRevenue",
                "currency",
                '{t}."Amount" * COALESCE({t}."Probability", 0) / 100.0',
            ),
            typed("TotalOpportunityQuantity", "double"),
            required(typed("CloseDate", "date")),
            picklist(
                "Type",
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
                "New Customer",
            ),
            text("NextStep", 255),
            picklist("LeadSource", *LEAD_SOURCES),
            readonly(typed("IsClosed", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("IsWon", "boolean", nillable=False, defaulted_on_create=True)),
            picklist(
                "ForecastCategoryName",
                "Omitted",
                "Pipeline",
                "Best Case",
                "Commit",
                "Closed",
                restricted_picklist=True,
            ),
            ref("CampaignId", "Campaign"),
            readonly(
                typed("HasOpportunityLineItem", "boolean", nillable=False, defaulted_on_create=True)
            ),
            ref("Pricebook2Id", "Pricebook2"),
            ref("ContactId", "Contact"),
            readonly(
                picklist(
                    "ForecastCategory", "Omitted", "Pipeline", "BestCase", "Forecast", "Closed"
                )
            ),
            readonly(typed("HasOpenActivity", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("HasOverdueTask", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("LastStageChangeDate", "datetime")),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            readonly(typed("PushCount", "int")),
            readonly(typed("FiscalQuarter", "int", precision=2)),
            readonly(typed("FiscalYear", "int", precision=4)),
            readonly(text("Fiscal", 6)),
            readonly(typed("LastActivityDate", "date")),
            custom(text("Competitor__c", 120)),
            custom(picklist("Delivery_Status__c", "Not started", "In progress", "Completed")),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(ref("LastAmountChangedHistoryId", "OpportunityHistory")),
            readonly(ref("LastCloseDateChangedHistoryId", "OpportunityHistory")),
        ),
    )


def _opportunity_line_item() -> ObjectDef:
    return ObjectDef(
        "OpportunityLineItem",
        "00k",
        fields=(
            *system_fields(owner=False),
            required(
                ref(
                    "OpportunityId",
                    "Opportunity",
                    updateable=False,
                    cascade_delete=True,
                    child_relationship="OpportunityLineItems",
                )
            ),
            typed("SortOrder", "int"),
            ref(
                "PricebookEntryId",
                "PricebookEntry",
                updateable=False,
                child_relationship="OpportunityLineItems",
            ),
            ref("Product2Id", "Product2", updateable=False),
            readonly(text("ProductCode", 255)),
            readonly(text("Name", 376)),
            typed("Quantity", "double", precision=12, scale=2),
            typed("TotalPrice", "currency"),
            typed("UnitPrice", "currency"),
            readonly(typed("ListPrice", "currency")),
            typed("ServiceDate", "date"),
            text("Description", 255),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("Subtotal", "currency")),
            typed("Discount", "percent"),
        ),
    )


def _opportunity_contact_role() -> ObjectDef:
    return ObjectDef(
        "OpportunityContactRole",
        "00K",
        fields=(
            *system_fields(owner=False),
            required(
                ref(
                    "OpportunityId",
                    "Opportunity",
                    updateable=False,
                    cascade_delete=True,
                    child_relationship="OpportunityContactRoles",
                )
            ),
            required(ref("ContactId", "Contact", child_relationship="OpportunityContactRoles")),
            picklist(
                "Role",
                "Business User",
                "Decision Maker",
                "Economic Buyer",
                "Evaluator",
                "Influencer",
                "Other",
            ),
            typed(
                "IsPrimary",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
        ),
    )


def _case() -> ObjectDef:
    return ObjectDef(
        "Case",
        "500",
        fields=(
            *system_fields(owners=OWNED_BY_QUEUE),
            readonly(ref("MasterRecordId", "Case", relationship="MasterRecord")),
            readonly(
                text(
                    "CaseNumber",
                    30,
                    label="Case Number",
                    auto_number=True,
                    name_field=True,
                    id_lookup=True,
                    nillable=False,
                    defaulted_on_create=True,
                )
            ),
            ref("ContactId", "Contact", child_relationship="Cases"),
            ref("AccountId", "Account", child_relationship="Cases"),
            ref("ParentId", "Case", relationship="Parent", child_relationship="Cases"),
            text("SuppliedName", 80),
            typed("SuppliedEmail", "email"),
            text("SuppliedPhone", 40),
            text("SuppliedCompany", 80),
            picklist("Type", "Mechanical", "Electrical", "Electronic", "Structural", "Other"),
            picklist(
                "Status",
                "New",
                "Working",
                "Escalated",
                "Closed",
                defaulted_on_create=True,
                default_value="New",
            ),
            picklist(
                "Reason",
                "Installation",
                "Equipment Complexity",
                "Performance",
                "Breakdown",
                "Other",
            ),
            picklist("Origin", "Phone", "Email", "Web"),
            text("Subject", 255),
            picklist(
                "Priority",
                "High",
                "Medium",
                "Low",
                defaulted_on_create=True,
                default_value="Medium",
            ),
            typed("Description", "textarea"),
            readonly(typed("IsClosed", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("ClosedDate", "datetime")),
            typed(
                "IsEscalated",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            formula("ContactPhone", "phone", parent_value_sql("Contact", "Phone", "ContactId")),
            formula(
                "ContactMobile", "phone", parent_value_sql("Contact", "MobilePhone", "ContactId")
            ),
            formula("ContactEmail", "email", parent_value_sql("Contact", "Email", "ContactId")),
            formula("ContactFax", "phone", parent_value_sql("Contact", "Fax", "ContactId")),
            typed("Comments", "textarea", length=4000),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            custom(picklist("SLA_Violation__c", "No", "Yes")),
            custom(text("Product__c", 80)),
            # standard fields added later: after the others, so demo rows keep their values
            ref("AssetId", "Asset"),
            ref("BusinessHoursId", "BusinessHours"),
        ),
    )


def _campaign() -> ObjectDef:
    return ObjectDef(
        "Campaign",
        "701",
        fields=(
            *system_fields(),
            required(text("Name", 80, id_lookup=True)),
            ref("ParentId", "Campaign", relationship="Parent", child_relationship="ChildCampaigns"),
            picklist(
                "Type", "Conference", "Webinar", "Trade Show", "Email", "Advertisement", "Other"
            ),
            picklist("Status", "Planned", "In Progress", "Completed", "Aborted"),
            typed("StartDate", "date"),
            typed("EndDate", "date"),
            typed("ExpectedRevenue", "currency"),
            typed("BudgetedCost", "currency"),
            typed("ActualCost", "currency"),
            typed("ExpectedResponse", "percent", precision=10, scale=2),
            typed("NumberSent", "double", precision=18, scale=0),
            typed(
                "IsActive", "boolean", nillable=False, defaulted_on_create=True, default_value=False
            ),
            typed("Description", "textarea"),
            readonly(typed("NumberOfLeads", "int")),
            readonly(typed("NumberOfContacts", "int")),
            readonly(typed("NumberOfResponses", "int")),
            readonly(typed("NumberOfOpportunities", "int")),
            readonly(typed("AmountAllOpportunities", "currency")),
            readonly(typed("LastActivityDate", "date")),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("NumberOfConvertedLeads", "int")),
            readonly(typed("NumberOfWonOpportunities", "int")),
            readonly(typed("AmountWonOpportunities", "currency")),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            ref("CampaignMemberRecordTypeId", "RecordType"),
        ),
    )


def _campaign_member() -> ObjectDef:
    return ObjectDef(
        "CampaignMember",
        "00v",
        fields=(
            *system_fields(owner=False),
            required(
                ref(
                    "CampaignId",
                    "Campaign",
                    updateable=False,
                    cascade_delete=True,
                    child_relationship="CampaignMembers",
                )
            ),
            ref("LeadId", "Lead", updateable=False, child_relationship="CampaignMembers"),
            ref("ContactId", "Contact", updateable=False, child_relationship="CampaignMembers"),
            picklist("Status", "Planned", "Received", "Responded", "Sent"),
            readonly(typed("HasResponded", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("FirstRespondedDate", "date")),
            readonly(text("Type", 40)),
            # standard fields added later: after the others, so demo rows keep their values;
            # the member's own details, read from its Lead or Contact
            *(readonly(f) for f in CAMPAIGN_MEMBER_PERSON),
        ),
    )


CAMPAIGN_MEMBER_PERSON = (
    picklist("Salutation", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof."),
    text("Name", 121),
    text("FirstName", 40),
    text("LastName", 80),
    text("Title", 128),
    typed("Street", "textarea", length=255),
    text("City", 40),
    text("State", 80),
    text("PostalCode", 20),
    text("Country", 80),
    typed("Email", "email"),
    typed("Phone", "phone"),
    typed("Fax", "phone"),
    typed("MobilePhone", "phone"),
    typed("Description", "textarea"),
    typed("DoNotCall", "boolean", nillable=False, defaulted_on_create=True),
    typed("HasOptedOutOfEmail", "boolean", nillable=False, defaulted_on_create=True),
    typed("HasOptedOutOfFax", "boolean", nillable=False, defaulted_on_create=True),
    picklist("LeadSource", *LEAD_SOURCES),
    text("CompanyOrAccount", 255),
    ref("LeadOrContactId", "Contact", "Lead", relationship="LeadOrContact"),
    ref("LeadOrContactOwnerId", *OWNED_BY_QUEUE, relationship="LeadOrContactOwner"),
)
"""CampaignMember's copies of its Lead's or Contact's details (read-only)."""


ACTIVITY_WHAT = ("Account", "Opportunity", "Case", "Campaign")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def recurrence_fields(activity: str) -> list[FieldDef]:
    """The recurrence fields Task and Event share (a series' pattern; set on its first row)."""
    return [
        readonly(ref("RecurrenceActivityId", activity, relationship="RecurrenceActivity")),
        typed("IsRecurrence", "boolean", nillable=False, defaulted_on_create=True),
        picklist(
            "RecurrenceTimeZoneSidKey", "America/Los_Angeles", "America/New_York",
            "Europe/London", "Europe/Paris", "Asia/Tokyo",
        ),
        picklist(
            "RecurrenceType", "RecursDaily", "RecursEveryWeekday", "RecursMonthly",
            "RecursMonthlyNth", "RecursWeekly", "RecursYearly", "RecursYearlyNth",
        ),
        typed("RecurrenceInterval", "int"),
        typed("RecurrenceDayOfWeekMask", "int"),
        typed("RecurrenceDayOfMonth", "int"),
        picklist("RecurrenceInstance", "First", "Second", "Third", "Fourth", "Last"),
        picklist("RecurrenceMonthOfYear", *MONTHS),
    ]  # fmt: skip


def _task() -> ObjectDef:
    return ObjectDef(
        "Task",
        "00T",
        fields=(
            *system_fields(owners=OWNED_BY_QUEUE),
            ref("WhoId", "Contact", "Lead", relationship="Who", child_relationship="Tasks"),
            ref("WhatId", *ACTIVITY_WHAT, relationship="What", child_relationship="Tasks"),
            typed(
                "Subject",
                "combobox",
                picklist_values=("Call", "Send Letter", "Send Quote", "Other"),
                name_field=True,
            ),
            typed("ActivityDate", "date"),
            required(
                picklist(
                    "Status",
                    "Not Started",
                    "In Progress",
                    "Completed",
                    "Waiting on someone else",
                    "Deferred",
                    defaulted_on_create=True,
                    default_value="Not Started",
                )
            ),
            required(
                picklist(
                    "Priority",
                    "High",
                    "Normal",
                    "Low",
                    defaulted_on_create=True,
                    default_value="Normal",
                )
            ),
            readonly(typed("IsHighPriority", "boolean", nillable=False, defaulted_on_create=True)),
            typed("Description", "textarea"),
            readonly(typed("IsClosed", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(ref("AccountId", "Account")),
            typed("CallDurationInSeconds", "int"),
            picklist("CallType", "Internal", "Inbound", "Outbound"),
            picklist("TaskSubtype", "Task", "Email", "Call"),
            typed(
                "IsReminderSet",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            typed("ReminderDateTime", "datetime"),
            typed("CompletedDateTime", "datetime"),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
            text("CallDisposition", 255),
            text("CallObject", 255),
            *recurrence_fields("Task"),
            typed("RecurrenceStartDateOnly", "date"),
            typed("RecurrenceEndDateOnly", "date"),
            picklist(
                "RecurrenceRegeneratedType",
                "RecurrenceRegenerateAfterDueDate",
                "RecurrenceRegenerateAfterToday",
                "RecurrenceRegenerated",
            ),
            readonly(typed("WhoCount", "int")),
            readonly(typed("WhatCount", "int")),
        ),
    )


def _event() -> ObjectDef:
    return ObjectDef(
        "Event",
        "00U",
        fields=(
            *system_fields(owners=("Calendar", "User")),
            ref("WhoId", "Contact", "Lead", relationship="Who", child_relationship="Events"),
            ref("WhatId", *ACTIVITY_WHAT, relationship="What", child_relationship="Events"),
            typed(
                "Subject",
                "combobox",
                picklist_values=("Call", "Email", "Meeting", "Send Letter/Quote", "Other"),
                name_field=True,
            ),
            text("Location", 255),
            typed(
                "IsAllDayEvent",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            typed("ActivityDateTime", "datetime"),
            typed("ActivityDate", "date"),
            typed("DurationInMinutes", "int"),
            typed("StartDateTime", "datetime"),
            typed("EndDateTime", "datetime"),
            typed("Description", "textarea"),
            readonly(ref("AccountId", "Account")),
            picklist("ShowAs", "Busy", "OutOfOffice", "Free"),
            typed(
                "IsPrivate",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("EndDate", "date")),
            readonly(typed("IsChild", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("IsGroupEvent", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(picklist("GroupEventType", "0", "1", "2", "3")),
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
            *recurrence_fields("Event"),
            typed("RecurrenceStartDateTime", "datetime"),
            typed("RecurrenceEndDateOnly", "date"),
            typed("ReminderDateTime", "datetime"),
            typed(
                "IsReminderSet",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            picklist("EventSubtype", "Event", restricted_picklist=True),
            typed("IsRecurrence2", "boolean", nillable=False, defaulted_on_create=True),
            readonly(
                typed("IsRecurrence2Exception", "boolean", nillable=False, defaulted_on_create=True)
            ),
            typed("IsRecurrence2Exclusion", "boolean", nillable=False, defaulted_on_create=True),
            typed("Recurrence2PatternText", "textarea", length=1024),
            text("Recurrence2PatternVersion", 40),
            readonly(typed("WhoCount", "int")),
            readonly(typed("WhatCount", "int")),
        ),
    )


def _email_message() -> ObjectDef:
    return ObjectDef(
        "EmailMessage",
        "02s",
        fields=(
            *system_fields(owner=False),
            ref("ParentId", "Case", relationship="Parent", child_relationship="EmailMessages"),
            ref("ActivityId", "Task", relationship="Activity"),
            ref("RelatedToId", "Account", "Opportunity", "Case", relationship="RelatedTo"),
            typed("TextBody", "textarea"),
            typed("HtmlBody", "textarea", html_formatted=True, extra_type_info="richtextarea"),
            typed("Headers", "textarea"),
            text("Subject", 3000, name_field=True),
            text("FromName", 1000),
            typed("FromAddress", "email"),
            text("ToAddress", 4000),
            text("CcAddress", 4000),
            text("BccAddress", 4000),
            typed(
                "Incoming", "boolean", nillable=False, defaulted_on_create=True, default_value=False
            ),
            readonly(typed("HasAttachment", "boolean", nillable=False, defaulted_on_create=True)),
            picklist("Status", "0", "1", "2", "3", "4", "5"),
            typed("MessageDate", "datetime"),
            typed(
                "IsExternallyVisible",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            text("MessageIdentifier", 998),
            text("ThreadIdentifier", 998),
            # standard fields added later: after the others, so demo rows keep their values
            picklist("ValidatedFromAddress", restricted_picklist=True),
            ref("ReplyToEmailMessageId", "EmailMessage", relationship="ReplyToEmailMessage"),
            readonly(typed("IsPrivateDraft", "boolean", nillable=False, defaulted_on_create=True)),
            typed(
                "IsClientManaged",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(typed("IsTracked", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("IsOpened", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("FirstOpenedDate", "datetime")),
            readonly(typed("LastOpenedDate", "datetime")),
            readonly(typed("IsBounced", "boolean", nillable=False, defaulted_on_create=True)),
            ref("EmailTemplateId", "EmailTemplate"),
        ),
    )


USER_PHOTO_URLS = (
    "FullPhotoUrl", "SmallPhotoUrl", "MediumPhotoUrl", "BannerPhotoUrl", "SmallBannerPhotoUrl",
    "MediumBannerPhotoUrl",
)  # fmt: skip
USER_FLAGS = (
    "ReceivesInfoEmails", "ReceivesAdminInfoEmails", "ForecastEnabled",
    "UserPermissionsMarketingUser", "UserPermissionsOfflineUser", "UserPermissionsSupportUser",
    "UserPermissionsKnowledgeUser", "UserPermissionsInteractionUser",
    "UserPermissionsSFContentUser", "UserPreferencesActivityRemindersPopup",
    "UserPreferencesTaskRemindersCheckboxDefault", "UserPreferencesEventRemindersCheckboxDefault",
    "UserPreferencesHideCSNGetChatterMobileTask",
)  # fmt: skip
"""User checkboxes (permissions and preferences), all off by default."""


def _user() -> ObjectDef:
    return ObjectDef(
        "User",
        "005",
        deletable=False,
        fields=(
            *system_fields(owner=False, deletable=False),
            required(text("Username", 80, unique=True, id_lookup=True)),
            *person_name(),
            text("CompanyName", 80),
            text("Division", 80),
            text("Department", 80),
            text("Title", 80),
            *address(""),
            required(typed("Email", "email")),
            typed("Phone", "phone"),
            typed("MobilePhone", "phone"),
            required(text("Alias", 8)),
            text("CommunityNickname", 40, id_lookup=True, unique=True),
            typed(
                "IsActive", "boolean", nillable=False, defaulted_on_create=True, default_value=True
            ),
            required(
                picklist(
                    "TimeZoneSidKey",
                    "America/Los_Angeles",
                    "America/New_York",
                    "Europe/London",
                    "Europe/Paris",
                    "Asia/Tokyo",
                )
            ),
            ref("UserRoleId", "UserRole"),
            required(picklist("LocaleSidKey", "en_US", "en_GB", "fr_FR", "de_DE", "ja_JP")),
            required(picklist("EmailEncodingKey", "UTF-8", "ISO-8859-1")),
            readonly(picklist("UserType", "Standard", "PowerPartner", "CsnOnly")),
            required(picklist("LanguageLocaleKey", "en_US", "fr", "de", "ja")),
            text("EmployeeNumber", 20),
            ref("ManagerId", "User", relationship="Manager"),
            readonly(typed("LastLoginDate", "datetime")),
            # standard fields added later: after the others, so demo rows keep their values
            required(ref("ProfileId", "Profile")),
            text("Extension", 40),
            typed("Fax", "phone"),
            typed("SenderEmail", "email"),
            text("SenderName", 80),
            typed("Signature", "textarea", length=1333),
            text("FederationIdentifier", 512, id_lookup=True, label="SAML Federation ID"),
            typed("AboutMe", "textarea", length=1000),
            *(
                readonly(typed(n, "url", length=1024, extra_type_info="imageurl"))
                for n in USER_PHOTO_URLS
            ),
            readonly(
                typed("IsProfilePhotoActive", "boolean", nillable=False, defaulted_on_create=True)
            ),
            required(
                picklist(
                    "DigestFrequency",
                    "D",
                    "W",
                    "N",
                    defaulted_on_create=True,
                    default_value="D",
                    restricted_picklist=True,
                )
            ),
            required(
                picklist(
                    "DefaultGroupNotificationFrequency",
                    "P",
                    "D",
                    "W",
                    "N",
                    defaulted_on_create=True,
                    default_value="N",
                    restricted_picklist=True,
                )
            ),
            *(
                typed(n, "boolean", nillable=False, defaulted_on_create=True, default_value=False)
                for n in USER_FLAGS
            ),
            readonly(typed("LastPasswordChangeDate", "datetime")),
            ref("DelegatedApproverId", *OWNED_BY_QUEUE, relationship="DelegatedApprover"),
            ref("ContactId", "Contact"),
            readonly(ref("AccountId", "Account")),
            ref("CallCenterId", "CallCenter"),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
            ref("IndividualId", "Individual", label="Individual ID"),
        ),
    )


def _user_role() -> ObjectDef:
    return ObjectDef(
        "UserRole",
        "00E",
        deletable=False,
        fields=(
            *system_fields(owner=False, deletable=False, created=False),
            required(text("Name", 80)),
            ref("ParentRoleId", "UserRole", relationship="ParentRole"),
            text("RollupDescription", 80),
            picklist("OpportunityAccessForAccountOwner", "None", "Read", "Edit"),
            picklist("CaseAccessForAccountOwner", "None", "Read", "Edit"),
            picklist("ContactAccessForAccountOwner", "None", "Read", "Edit"),
            text("DeveloperName", 80),
            readonly(picklist("PortalType", "None", "CustomerPortal", "Partner")),
            # standard fields added later: after the others, so demo rows keep their values
            ref("ForecastUserId", "User", relationship="ForecastUser"),
            typed(
                "MayForecastManagerShare",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(ref("PortalAccountId", "Account", relationship="PortalAccount")),
            readonly(ref("PortalAccountOwnerId", "User", relationship="PortalAccountOwner")),
        ),
    )


def _product() -> ObjectDef:
    return ObjectDef(
        "Product2",
        "01t",
        label="Product",
        fields=(
            *system_fields(owner=False),
            required(text("Name", 255)),
            text("ProductCode", 255),
            typed("Description", "textarea", length=4000),
            typed(
                "IsActive", "boolean", nillable=False, defaulted_on_create=True, default_value=False
            ),
            picklist("Family", "Hardware", "Software", "Services", "Support"),
            text("ExternalId", 255),
            picklist("QuantityUnitOfMeasure", "Each", "Hour", "License"),
            text("StockKeepingUnit", 180),
            typed("DisplayUrl", "url", length=1000),
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
            # standard fields added later: after the others, so demo rows keep their values
            ref("ExternalDataSourceId", "ExternalDataSource"),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
        ),
    )


def _pricebook() -> ObjectDef:
    return ObjectDef(
        "Pricebook2",
        "01s",
        label="Price Book",
        fields=(
            *system_fields(owner=False),
            required(text("Name", 255)),
            typed(
                "IsActive", "boolean", nillable=False, defaulted_on_create=True, default_value=False
            ),
            readonly(typed("IsStandard", "boolean", nillable=False, defaulted_on_create=True)),
            text("Description", 255),
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
        ),
    )


def _pricebook_entry() -> ObjectDef:
    return ObjectDef(
        "PricebookEntry",
        "01u",
        label="Price Book Entry",
        fields=(
            *system_fields(owner=False),
            required(
                ref(
                    "Pricebook2Id",
                    "Pricebook2",
                    updateable=False,
                    cascade_delete=True,
                    child_relationship="PricebookEntries",
                )
            ),
            required(
                ref(
                    "Product2Id",
                    "Product2",
                    updateable=False,
                    cascade_delete=True,
                    child_relationship="PricebookEntries",
                )
            ),
            required(typed("UnitPrice", "currency")),
            typed(
                "IsActive", "boolean", nillable=False, defaulted_on_create=True, default_value=False
            ),
            typed(
                "UseStandardPrice",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            readonly(text("ProductCode", 255)),
            readonly(text("Name", 255)),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
        ),
    )


def _attachment() -> ObjectDef:
    return ObjectDef(
        "Attachment",
        "00P",
        bulk_supported=False,
        fields=(
            *system_fields(),
            required(
                ref(
                    "ParentId",
                    "Account",
                    "Case",
                    "Opportunity",
                    relationship="Parent",
                    child_relationship="Attachments",
                    cascade_delete=True,
                )
            ),
            required(text("Name", 255)),
            typed(
                "IsPrivate",
                "boolean",
                nillable=False,
                defaulted_on_create=True,
                default_value=False,
            ),
            text("ContentType", 120),
            readonly(typed("BodyLength", "int")),
            required(typed("Body", "base64", length=26214400)),
            typed("Description", "textarea", length=500),
        ),
    )


def _community_group() -> ObjectDef:
    return ObjectDef(
        "My__Community_Group__c",
        "a0A",
        label="Community Group",
        custom=True,
        fields=(
            *system_fields(owners=OWNED_BY_QUEUE),
            required(text("Name", 80)),
            custom(typed("Description__c", "textarea")),
            custom(typed("Member_Count__c", "double", precision=18, scale=0)),
            custom(
                ref(
                    "Account__c",
                    "Account",
                    relationship="Account__r",
                    child_relationship="Community_Groups__r",
                )
            ),
            custom(typed("Founded__c", "date")),
            custom(
                typed(
                    "Is_Public__c",
                    "boolean",
                    nillable=False,
                    defaulted_on_create=True,
                    default_value=True,
                )
            ),
            custom(multipicklist("Topics__c", "Events", "Product", "Support", "Local")),
            custom(typed("Last_Meeting__c", "datetime")),
            *location("Meeting_Place__c"),
            custom(
                formula(
                    "Size_Label__c",
                    "string",
                    "CASE WHEN {t}.\"Member_Count__c\" >= 100 THEN 'Large' ELSE 'Small' END",
                )
            ),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
        ),
    )


def _project() -> ObjectDef:
    return ObjectDef(
        "Project__c",
        "a0B",
        label="Project",
        custom=True,
        fields=(
            *system_fields(owners=OWNED_BY_QUEUE),
            required(text("Name", 80)),
            custom(
                ref(
                    "Account__c",
                    "Account",
                    relationship="Account__r",
                    child_relationship="Projects__r",
                )
            ),
            custom(
                ref(
                    "Opportunity__c",
                    "Opportunity",
                    relationship="Opportunity__r",
                    child_relationship="Projects__r",
                )
            ),
            custom(typed("Budget__c", "currency")),
            custom(picklist("Status__c", "Planned", "Active", "On Hold", "Done")),
            custom(typed("Start_Date__c", "date")),
            custom(typed("Kickoff_Time__c", "time")),
            custom(typed("Notes__c", "textarea", length=131072)),
            custom(typed("Completion__c", "percent", precision=5, scale=2)),
            custom(typed("Website__c", "url")),
            # standard fields added later: after the others, so demo rows keep their values
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
        ),
    )


REPORT_FORMATS = ("TABULAR", "SUMMARY", "MATRIX", "MULTI_BLOCK")


def _report() -> ObjectDef:
    """Saved reports (read-only; rows are written by the demo generator, not through the API)."""
    fields = [
        readonly(f)
        for f in (
            *system_fields(),
            required(text("Name", 40, label="Report Name")),
            required(text("DeveloperName", 80, label="Report Unique Name")),
            text("NamespacePrefix", 15),
            text("Description", 255),
            picklist("Format", *REPORT_FORMATS),
            text("FolderName", 255),
            readonly(typed("LastRunDate", "datetime")),
            readonly(typed("LastViewedDate", "datetime")),
            readonly(typed("LastReferencedDate", "datetime")),
        )
    ]
    return ObjectDef(
        "Report",
        "00O",
        label="Report",
        fields=tuple(fields),
        createable=False,
        updateable=False,
        deletable=False,
        bulk_supported=False,
        replicateable=False,
    )


STANDARD_OBJECT_BUILDERS = (
    _account, _contact, _lead, _opportunity, _opportunity_line_item, _opportunity_contact_role,
    _case, _campaign, _campaign_member, _task, _event, _email_message, _user, _user_role,
    _product, _pricebook, _pricebook_entry, _attachment, _report,
)  # fmt: skip
CUSTOM_OBJECT_BUILDERS = (_community_group, _project)


class Catalog:
    """The set of objects an org knows, looked up case-insensitively."""

    def __init__(self, objects: Iterable[ObjectDef] = ()) -> None:
        """A catalog of ``objects``."""
        self._objects: dict[str, ObjectDef] = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj: ObjectDef) -> None:
        """Add or replace an object, and recount every object's child relationships."""
        self._objects[obj.name.lower()] = obj
        children: dict[str, list[ChildRelationship]] = {}
        for child in sorted(self._objects.values(), key=lambda o: o.name):
            for f in child.fields:
                for target in f.reference_to if f.type == "reference" else ():
                    relation = ChildRelationship(
                        child.name, f.name, f.child_relationship, f.cascade_delete
                    )
                    children.setdefault(target.lower(), []).append(relation)
        for key, parent in self._objects.items():
            found = tuple(children.get(key, ()))
            if found != parent.child_relationships:
                self._objects[key] = replace(parent, child_relationships=found)

    def get(self, name: str) -> ObjectDef | None:
        """Find an object by API name (any case)."""
        return self._objects.get(name.lower())

    def by_prefix(self, key_prefix: str) -> ObjectDef | None:
        """Find the object whose Ids start with ``key_prefix``."""
        for obj in self._objects.values():
            if obj.key_prefix == key_prefix:
                return obj
        return None

    def __iter__(self) -> Iterator[ObjectDef]:
        """The objects in name order."""
        return iter(sorted(self._objects.values(), key=lambda o: o.name))

    def __contains__(self, name: object) -> bool:
        """True when an object of that API name exists (any case)."""
        return isinstance(name, str) and name.lower() in self._objects


def demo_catalog() -> Catalog:
    """The objects of the demo org: the standard CRM objects and two custom objects."""
    return Catalog(build() for build in (*STANDARD_OBJECT_BUILDERS, *CUSTOM_OBJECT_BUILDERS))
