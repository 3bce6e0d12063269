"""``/__admin/`` endpoints: inspect and change the org behind the API's back (tests, demos)."""

from __future__ import annotations

import dataclasses
from typing import Any

from werkzeug.wrappers import Response

from salesforce_emulator.catalog import FieldDef, ObjectDef, system_fields, typed
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.models.auth import ConnectedApp
from salesforce_emulator.models.records import coerce_value, now_stamp
from salesforce_emulator.responses import Ctx, json_response

FIELD_KEYS = {f.name for f in dataclasses.fields(FieldDef)} - {"name", "type"}


def _body(ctx: Ctx) -> Any:
    return ctx.json_body()


def admin_health(ctx: Ctx) -> Response:
    """Liveness and a summary."""
    return json_response(
        {"status": "ok", "objects": len(list(ctx.org.catalog)), "api_used": ctx.org.api_used}
    )


def admin_reset(ctx: Ctx) -> Response:
    """Forget usage counts, faults, cursors and jobs."""
    ctx.org.reset()
    return json_response({"reset": True})


def admin_calls(ctx: Ctx) -> Response:
    """API calls counted, in total and by endpoint."""
    return json_response({"total": ctx.org.api_used, "by_endpoint": dict(ctx.org.calls)})


def admin_faults(ctx: Ctx) -> Response:
    """List (GET), add (POST one rule or a list) or clear (DELETE) fault rules."""
    faults = ctx.org.faults
    if ctx.request.method == "DELETE":
        faults.clear()
    elif ctx.request.method == "POST":
        body = _body(ctx)
        for spec in body if isinstance(body, list) else [body]:
            try:
                faults.add(spec)
            except (TypeError, ValueError) as exc:
                raise SalesforceApiError(400, "INVALID_FAULT", str(exc)) from exc
    return json_response(faults.describe())


def settings(ctx: Ctx) -> dict[str, Any]:
    """The org's adjustable behaviour."""
    org = ctx.org
    return {
        "daily_api_limit": org.daily_api_limit,
        "api_used": org.api_used,
        "page_size": org.queries.page_size,
        "locator_ttl_seconds": org.queries.locator_ttl_seconds,
        "query_timeout_rows": org.queries.query_timeout_rows,
        "token_ttl_seconds": org.auth.token_ttl_seconds,
        "token_ttl_calls": org.auth.token_ttl_calls,
        "lock_row_failures": org.writer.lock_row_failures,
        "duplicate_rules": sorted(org.duplicate_rules),
        "hidden_fields": sorted(f"{o}.{f}" for o, f in org.hidden_fields),
        "bulk": dataclasses.asdict(org.bulk.faults),
    }


def admin_settings(ctx: Ctx) -> Response:
    """Read (GET) or change (PATCH) settings; see ``settings`` for the keys."""
    if ctx.request.method == "PATCH":
        _apply_settings(ctx, _body(ctx) or {})
    return json_response(settings(ctx))


def _apply_settings(ctx: Ctx, body: dict[str, Any]) -> None:
    org = ctx.org
    simple = {
        "daily_api_limit": (org, "daily_api_limit"),
        "api_used": (org, "api_used"),
        "page_size": (org.queries, "page_size"),
        "locator_ttl_seconds": (org.queries, "locator_ttl_seconds"),
        "query_timeout_rows": (org.queries, "query_timeout_rows"),
        "token_ttl_seconds": (org.auth, "token_ttl_seconds"),
        "token_ttl_calls": (org.auth, "token_ttl_calls"),
        "lock_row_failures": (org.writer, "lock_row_failures"),
    }
    for key, value in body.items():
        if key in simple:
            target, attribute = simple[key]
            setattr(target, attribute, value)
        elif key == "duplicate_rules":
            org.duplicate_rules.clear()
            org.duplicate_rules.update(org.object(name).name for name in value)
        elif key == "hidden_fields":
            org.hidden_fields.clear()
            for entry in value:
                object_name, _, field_name = str(entry).partition(".")
                org.hidden_fields.add((object_name.lower(), field_name.lower()))
        elif key == "bulk":
            for name, bulk_value in value.items():
                if not hasattr(org.bulk.faults, name):
                    raise SalesforceApiError(400, "INVALID_SETTING", f"unknown bulk setting {name}")
                setattr(org.bulk.faults, name, bulk_value)
        else:
            raise SalesforceApiError(400, "INVALID_SETTING", f"unknown setting {key}")


def admin_expire_sessions(ctx: Ctx) -> Response:
    """Invalidate every access token now."""
    return json_response({"expired": ctx.org.auth.expire_all()})


def admin_expire_cursors(ctx: Ctx) -> Response:
    """Invalidate every open query cursor now."""
    return json_response({"expired": ctx.org.queries.expire_all()})


def admin_objects(ctx: Ctx) -> Response:
    """List objects with row counts (GET) or define a new custom object (POST)."""
    org = ctx.org
    if ctx.request.method == "POST":
        body = _body(ctx)
        obj = object_from_spec(body, taken_prefixes={o.key_prefix for o in org.catalog})
        if obj.name in org.catalog:
            raise SalesforceApiError(
                400, "DUPLICATE_DEVELOPER_NAME", f"Object {obj.name} already exists"
            )
        org.define_object(obj)
        return json_response(
            {"name": obj.name, "key_prefix": obj.key_prefix, "fields": len(obj.fields)}, 201
        )
    return json_response(
        [
            {
                "name": o.name,
                "rows": org.row_count(o),
                "custom": o.custom,
                "bulk_supported": o.bulk_supported,
            }
            for o in org.catalog
        ]
    )


def object_from_spec(body: dict[str, Any], taken_prefixes: set[str]) -> ObjectDef:
    """Build an ObjectDef from ``{name, label?, key_prefix?, fields: [{name, type, ...}]}``."""
    name = str(body.get("name", ""))
    if not name.endswith("__c"):
        raise SalesforceApiError(400, "INVALID_NAME", "Custom object names end in __c")
    prefix = body.get("key_prefix") or next(
        f"a{n // 36:01d}{'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 36]}"
        for n in range(100, 360)
        if f"a{n // 36:01d}{'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 36]}" not in taken_prefixes
    )
    fields: list[FieldDef] = [*system_fields(), typed("Name", "string", length=80, nillable=False)]
    for spec in body.get("fields", []):
        extras = {k: v for k, v in spec.items() if k in FIELD_KEYS}
        for key in ("reference_to", "picklist_values"):
            if key in extras:
                extras[key] = tuple(extras[key])
        fields.append(typed(spec["name"], spec.get("type", "string"), custom=True, **extras))
    return ObjectDef(
        name,
        prefix,
        tuple(fields),
        label=body.get("label", name),
        custom=True,
        bulk_supported=body.get("bulk_supported", True),
    )


def admin_object(ctx: Ctx, object: str) -> Response:
    """Change an object's flags: ``queryable``, ``bulk_supported``."""
    org = ctx.org
    obj = org.object(object)
    body = _body(ctx) or {}
    changes: dict[str, Any] = {
        k: bool(v) for k, v in body.items() if k in ("queryable", "bulk_supported")
    }
    org.catalog.add(dataclasses.replace(obj, _by_name={}, **changes))
    return json_response({"name": obj.name, **changes})


FIELD_TYPES = frozenset(
    {"string", "email", "phone", "url", "textarea", "int", "double", "currency", "percent"}
    | {"boolean", "date", "datetime"}
)
"""Types a field added through the admin API may have."""
EXTERNAL_ID_TYPES = frozenset({"string", "email", "int", "double"})
"""Types Salesforce allows an External ID field to have (text, number, email)."""
FIELD_SPEC_KEYS = {
    "name": "name",
    "type": "type",
    "label": "label",
    "length": "length",
    "externalId": "external_id",
    "external_id": "external_id",
    "unique": "unique",
    "caseSensitive": "case_sensitive",
    "case_sensitive": "case_sensitive",
    "nillable": "nillable",
}
"""Keys of a field spec (describe's camelCase or snake_case) and the FieldDef attribute."""


def field_from_spec(obj: ObjectDef, body: Any) -> FieldDef:
    """A custom field from ``{name, type, label?, length?, externalId?, unique?, caseSensitive?}``.

    An External ID field is also an ``idLookup`` field, as on Salesforce.
    """
    if not isinstance(body, dict):
        raise SalesforceApiError(400, "INVALID_FIELD", "A field spec is a JSON object")
    unknown = sorted(set(body) - set(FIELD_SPEC_KEYS))
    if unknown:
        raise SalesforceApiError(400, "INVALID_FIELD", f"Unknown field spec keys: {unknown}")
    spec = {FIELD_SPEC_KEYS[k]: v for k, v in body.items()}
    name = str(spec.pop("name", ""))
    sf_type = str(spec.pop("type", "string"))
    if not name.endswith("__c") or not name[:-3].replace("_", "").isalnum():
        raise SalesforceApiError(400, "INVALID_NAME", f"Custom field names end in __c: {name!r}")
    if obj.field(name) is not None:
        raise SalesforceApiError(
            400, "DUPLICATE_DEVELOPER_NAME", f"Field {name} already exists on {obj.name}"
        )
    if sf_type not in FIELD_TYPES:
        raise SalesforceApiError(
            400, "INVALID_TYPE", f"Field type {sf_type!r}: expected one of {sorted(FIELD_TYPES)}"
        )
    if spec.get("external_id") and sf_type not in EXTERNAL_ID_TYPES:
        raise SalesforceApiError(
            400, "INVALID_TYPE", f"An External ID field is text, email or number, not {sf_type}"
        )
    flags = {k: bool(v) for k, v in spec.items() if k not in ("label", "length")}
    extras: dict[str, Any] = {
        "label": str(spec.get("label") or name[:-3].replace("_", " ")),
        "id_lookup": flags.get("external_id", False),
        **flags,
    }
    if "length" in spec:
        extras["length"] = int(spec["length"])
    return typed(name, sf_type, custom=True, **extras)


def admin_fields(ctx: Ctx, object: str) -> Response:
    """Add a custom field to an object (POST a field spec, see ``field_from_spec``).

    The field is in describe, SOQL, writes, upserts and Bulk at once; ``unique`` is enforced
    on create and update (``DUPLICATE_VALUE``), ignoring case unless ``caseSensitive``.
    """
    org = ctx.org
    obj = org.object(object)
    added = field_from_spec(obj, _body(ctx))
    with org.transaction():
        org.add_field(obj, added)
    return json_response(added.describe(), 201)


def admin_generate(ctx: Ctx, object: str) -> Response:
    """Append ``count`` generated rows to an object."""
    body = _body(ctx) or {}
    obj = ctx.org.object(object)
    # The generator runs (and commits) its own fast-load transaction: no org.transaction() here.
    count, seed = int(body.get("count", 1)), int(body.get("seed", 42))
    ids = ctx.org.generate_rows(obj, count, seed)
    return json_response(
        {
            "created": len(ids),
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
        }
    )


def admin_records(ctx: Ctx, object: str) -> Response:
    """Raw stored rows: GET (``?ids=a,b``), POST (insert) or PATCH (update).

    PATCH bumps SystemModstamp and LastModifiedDate unless the body says ``"touch": false``.
    """
    org = ctx.org
    obj = org.object(object)
    if ctx.request.method == "GET":
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        return json_response(org.raw_records(obj, ids or None))
    body = _body(ctx)
    records = body.get("records", []) if isinstance(body, dict) else body
    touch = not (isinstance(body, dict) and body.get("touch") is False)
    written: list[str] = []
    with org.transaction():
        for given in records:
            values = {obj.field(k).name if obj.field(k) else k: v for k, v in given.items()}  # type: ignore[union-attr]
            stored = {k: _stored_value(obj, k, v) for k, v in values.items()}
            if ctx.request.method == "POST":
                written.append(org.insert_stored(obj, stored))
            else:
                record_id = str(stored.pop("Id"))
                current = org.writer.get_raw(obj, record_id)
                if current is None:
                    raise SalesforceApiError(404, "NOT_FOUND", f"No {obj.name} with Id {record_id}")
                if touch:
                    stamp = now_stamp()
                    stored.setdefault("SystemModstamp", stamp)
                    stored.setdefault("LastModifiedDate", stamp)
                org.writer.update_raw(obj, current["Id"], stored)
                written.append(current["Id"])
    return json_response(org.raw_records(obj, written))


def _stored_value(obj: ObjectDef, name: str, value: Any) -> Any:
    f = obj.field(name)
    if f is None or not f.is_stored:
        raise SalesforceApiError(400, "INVALID_FIELD", f"No stored column {name} on {obj.name}")
    if f.type in ("id",):
        return value
    try:
        return coerce_value(f, value)
    except Exception as exc:
        raise SalesforceApiError(400, "INVALID_FIELD", f"{obj.name}.{name}: {exc}") from exc


def admin_delete(ctx: Ctx, object: str) -> Response:
    """Soft-delete records (to the recycle bin): ``{"ids": [...]}``."""
    org = ctx.org
    obj = org.object(object)
    with org.transaction():
        ids = [org.writer.delete(obj, i) for i in (_body(ctx) or {}).get("ids", [])]
    return json_response({"deleted": ids})


def admin_purge(ctx: Ctx, object: str) -> Response:
    """Hard-delete records (empty them from the recycle bin): ``{"ids": [...]}``."""
    org = ctx.org
    obj = org.object(object)
    with org.transaction():
        count = org.writer.purge(obj, (_body(ctx) or {}).get("ids", []))
    return json_response({"purged": count})


def admin_connected_apps(ctx: Ctx) -> Response:
    """Register a connected app.

    Body: ``{client_id, client_secret?, public_key_pem?, run_as_username?}``.
    """
    body = _body(ctx) or {}
    app = ConnectedApp(
        client_id=body["client_id"],
        client_secret=body.get("client_secret"),
        public_key_pem=body.get("public_key_pem"),
        run_as_username=body.get("run_as_username"),
    )
    ctx.org.auth.add_app(app)
    refresh = None
    if body.get("refresh_token_for"):
        refresh = ctx.org.auth.issue_refresh_token(app.client_id, body["refresh_token_for"])
    return json_response({"client_id": app.client_id, "refresh_token": refresh}, 201)


def admin_users(ctx: Ctx) -> Response:
    """Create a User who can log in: ``{username, password, security_token?, last_name?}``."""
    org = ctx.org
    body = _body(ctx) or {}
    user_obj = org.object("User")
    username = body["username"]
    with org.transaction():
        user_id = org.insert_stored(
            user_obj,
            {
                "Username": username,
                "LastName": body.get("last_name", "User"),
                "Email": body.get("email", username),
                "Alias": username[:8],
                "IsActive": 1,
                "TimeZoneSidKey": "America/Los_Angeles",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
            },
        )
    org.auth.add_user(username, body["password"], body.get("security_token", ""), user_id)
    return json_response({"id": user_id, "username": username}, 201)
