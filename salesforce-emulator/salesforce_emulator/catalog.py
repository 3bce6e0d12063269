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

    def describe_picklist_values(self) -> list[dict[str, object]]:
        """``picklistValues``; a dependent picklist's carry ``validFor`` bitmaps."""
        return [
            {
                "active": True,
                "defaultValue": False,
                "label": v,
                "validFor": valid_for_bitmap(self.controller_values, self.valid_for[i])
                if self.controller_name
                else None,
                "value": v,
            }
            for i, v in enumerate(self.picklist_values)
        ]

    def describe(self) -> dict[str, object]:
        """The field's entry in ``sobjects/{X}/describe``."""
        soap_type = SOAP_TYPES.get(self.type, "xsd:string")
        is_string = self.type in STRING_TYPES or self.type in ID_TYPES
        return {
            "aggregatable": not self.is_long_text and not self.is_compound,
            "autoNumber": False,
            "byteLength": self.length * 3 if is_string else 0,
            "calculated": self.calculated,
            "calculatedFormula": self.formula_sql if self.calculated else None,
            "cascadeDelete": False,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": self.compound_field_name,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default_value,
            "controllerName": self.controller_name,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": self.controller_name is not None,
            "deprecatedAndHidden": False,
            "digits": self.precision if self.type in INTEGER_TYPES else 0,
            "externalId": self.external_id,
            "filterable": not self.is_long_text and not self.is_compound,
            "groupable": not self.is_long_text and not self.is_compound and self.type != "double",
            "htmlFormatted": False,
            "idLookup": self.id_lookup,
            "label": self.label or self.name,
            "length": self.length if is_string else 0,
            "name": self.name,
            "nameField": self.name == "Name",
            "nillable": self.nillable,
            "permissionable": self.nillable and self.custom,
            "picklistValues": self.describe_picklist_values(),
            "precision": self.precision if self.type in NUMBER_TYPES else 0,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "restrictedPicklist": False,
            "scale": self.scale if self.type in NUMBER_TYPES else 0,
            "soapType": soap_type,
            "sortable": not self.is_long_text
            and not self.is_compound
            and self.type != "multipicklist",
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
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
        return {
            "childRelationships": [],
            "compactLayoutable": True,
            "fields": [f.describe() for f in self.fields],
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


def system_fields(
    *, owner: bool = True, deletable: bool = True, created: bool = True
) -> list[FieldDef]:
    """Id and the audit fields every object carries."""
    fields = [readonly(required(typed("Id", "id", id_lookup=True)))]
    if owner:
        fields.append(ref("OwnerId", "User", relationship="Owner", defaulted_on_create=True))
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
    """Salutation, FirstName, LastName and the read-only full Name built from them."""
    return [
        picklist("Salutation", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", compound_field_name="Name"),
        text("FirstName", 40, compound_field_name="Name"),
        required(text("LastName", 80, compound_field_name="Name")),
        formula("Name", "string", NAME_SQL, length=121),
    ]


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
            required(text("Name", 255)),
            picklist(
                "Type", "Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"
            ),
            ref("ParentId", "Account", relationship="Parent"),
            readonly(ref("MasterRecordId", "Account", relationship="MasterRecord")),
            *address("Billing"),
            *address("Shipping"),
            typed("Phone", "phone"),
            typed("Fax", "phone"),
            typed("Website", "url"),
            readonly(typed("PhotoUrl", "url")),
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
        ),
    )


def _contact() -> ObjectDef:
    return ObjectDef(
        "Contact",
        "003",
        fields=(
            *system_fields(),
            ref("AccountId", "Account"),
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
            readonly(typed("PhotoUrl", "url")),
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
        ),
    )


def _lead() -> ObjectDef:
    return ObjectDef(
        "Lead",
        "00Q",
        fields=(
            *system_fields(),
            *person_name(),
            text("Title", 128),
            required(text("Company", 255)),
            *address(""),
            typed("Phone", "phone"),
            typed("MobilePhone", "phone"),
            typed("Fax", "phone"),
            typed("Email", "email", id_lookup=True),
            typed("Website", "url"),
            readonly(typed("PhotoUrl", "url")),
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
        ),
    )


def _opportunity() -> ObjectDef:
    return ObjectDef(
        "Opportunity",
        "006",
        fields=(
            *system_fields(),
            ref("AccountId", "Account"),
            readonly(typed("IsPrivate", "boolean", nillable=False, defaulted_on_create=True)),
            required(text("Name", 120)),
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
                "ForecastCategoryName", "Omitted", "Pipeline", "Best Case", "Commit", "Closed"
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
        ),
    )


def _opportunity_line_item() -> ObjectDef:
    return ObjectDef(
        "OpportunityLineItem",
        "00k",
        fields=(
            *system_fields(owner=False),
            required(ref("OpportunityId", "Opportunity", updateable=False)),
            typed("SortOrder", "int"),
            ref("PricebookEntryId", "PricebookEntry", updateable=False),
            ref("Product2Id", "Product2", updateable=False),
            readonly(text("ProductCode", 255)),
            readonly(text("Name", 376)),
            typed("Quantity", "double", precision=12, scale=2),
            typed("TotalPrice", "currency"),
            typed("UnitPrice", "currency"),
            readonly(typed("ListPrice", "currency")),
            typed("ServiceDate", "date"),
            text("Description", 255),
        ),
    )


def _opportunity_contact_role() -> ObjectDef:
    return ObjectDef(
        "OpportunityContactRole",
        "00K",
        fields=(
            *system_fields(owner=False),
            required(ref("OpportunityId", "Opportunity", updateable=False)),
            required(ref("ContactId", "Contact")),
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
            *system_fields(),
            readonly(ref("MasterRecordId", "Case", relationship="MasterRecord")),
            readonly(text("CaseNumber", 30)),
            ref("ContactId", "Contact"),
            ref("AccountId", "Account"),
            ref("ParentId", "Case", relationship="Parent"),
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
        ),
    )


def _campaign() -> ObjectDef:
    return ObjectDef(
        "Campaign",
        "701",
        fields=(
            *system_fields(),
            required(text("Name", 80)),
            ref("ParentId", "Campaign", relationship="Parent"),
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
        ),
    )


def _campaign_member() -> ObjectDef:
    return ObjectDef(
        "CampaignMember",
        "00v",
        fields=(
            *system_fields(owner=False),
            required(ref("CampaignId", "Campaign", updateable=False)),
            ref("LeadId", "Lead", updateable=False),
            ref("ContactId", "Contact", updateable=False),
            picklist("Status", "Planned", "Received", "Responded", "Sent"),
            readonly(typed("HasResponded", "boolean", nillable=False, defaulted_on_create=True)),
            readonly(typed("FirstRespondedDate", "date")),
            readonly(text("Type", 40)),
        ),
    )


ACTIVITY_WHAT = ("Account", "Opportunity", "Case", "Campaign")


def _task() -> ObjectDef:
    return ObjectDef(
        "Task",
        "00T",
        fields=(
            *system_fields(),
            ref("WhoId", "Contact", "Lead", relationship="Who"),
            ref("WhatId", *ACTIVITY_WHAT, relationship="What"),
            picklist("Subject", "Call", "Send Letter", "Send Quote", "Other"),
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
        ),
    )


def _event() -> ObjectDef:
    return ObjectDef(
        "Event",
        "00U",
        fields=(
            *system_fields(),
            ref("WhoId", "Contact", "Lead", relationship="Who"),
            ref("WhatId", *ACTIVITY_WHAT, relationship="What"),
            picklist("Subject", "Call", "Email", "Meeting", "Send Letter/Quote", "Other"),
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
        ),
    )


def _email_message() -> ObjectDef:
    return ObjectDef(
        "EmailMessage",
        "02s",
        fields=(
            *system_fields(owner=False),
            ref("ParentId", "Case", relationship="Parent"),
            ref("ActivityId", "Task", relationship="Activity"),
            ref("RelatedToId", "Account", "Opportunity", "Case", relationship="RelatedTo"),
            typed("TextBody", "textarea"),
            typed("HtmlBody", "textarea"),
            typed("Headers", "textarea"),
            text("Subject", 3000),
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
        ),
    )


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
            text("CommunityNickname", 40),
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
            typed("DisplayUrl", "url"),
            readonly(typed("IsArchived", "boolean", nillable=False, defaulted_on_create=True)),
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
        ),
    )


def _pricebook_entry() -> ObjectDef:
    return ObjectDef(
        "PricebookEntry",
        "01u",
        label="Price Book Entry",
        fields=(
            *system_fields(owner=False),
            required(ref("Pricebook2Id", "Pricebook2", updateable=False)),
            required(ref("Product2Id", "Product2", updateable=False)),
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
        ),
    )


def _attachment() -> ObjectDef:
    return ObjectDef(
        "Attachment",
        "00P",
        bulk_supported=False,
        fields=(
            *system_fields(),
            required(ref("ParentId", "Account", "Case", "Opportunity", relationship="Parent")),
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
            text("Description", 500),
        ),
    )


def _community_group() -> ObjectDef:
    return ObjectDef(
        "My__Community_Group__c",
        "a0A",
        label="Community Group",
        custom=True,
        fields=(
            *system_fields(),
            required(text("Name", 80)),
            custom(typed("Description__c", "textarea")),
            custom(typed("Member_Count__c", "double", precision=18, scale=0)),
            custom(ref("Account__c", "Account", relationship="Account__r")),
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
        ),
    )


def _project() -> ObjectDef:
    return ObjectDef(
        "Project__c",
        "a0B",
        label="Project",
        custom=True,
        fields=(
            *system_fields(),
            required(text("Name", 80)),
            custom(ref("Account__c", "Account", relationship="Account__r")),
            custom(ref("Opportunity__c", "Opportunity", relationship="Opportunity__r")),
            custom(typed("Budget__c", "currency")),
            custom(picklist("Status__c", "Planned", "Active", "On Hold", "Done")),
            custom(typed("Start_Date__c", "date")),
            custom(typed("Kickoff_Time__c", "time")),
            custom(typed("Notes__c", "textarea", length=131072)),
            custom(typed("Completion__c", "percent", precision=5, scale=2)),
            custom(typed("Website__c", "url")),
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
        """Add or replace an object."""
        self._objects[obj.name.lower()] = obj

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
