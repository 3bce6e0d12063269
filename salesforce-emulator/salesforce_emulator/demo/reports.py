"""The demo org's saved reports (fixed Ids) and their ``Report`` rows."""

from __future__ import annotations

import sqlite3

from salesforce_emulator.catalog import Catalog
from salesforce_emulator.demo.clock import START
from salesforce_emulator.models.reports import ReportColumn, ReportDef, ReportFilter
from salesforce_emulator.values import format_datetime, make_id

C = ReportColumn

ACCOUNT_COLUMNS = (
    C("ACCOUNT.NAME", "Account Name", "id", "Name", "Id"),
    C("TYPE", "Type", "picklist", "Type"),
    C("INDUSTRY", "Industry", "picklist", "Industry"),
    C("ANNUAL_REVENUE", "Annual Revenue", "currency", "AnnualRevenue"),
    C("EMPLOYEES", "Employees", "int", "NumberOfEmployees"),
    C("PHONE1", "Phone", "phone", "Phone"),
    C("URL", "Website", "url", "Website"),
    C("USERS.NAME", "Account Owner", "reference", "Owner.Name", "OwnerId"),
    C("CREATED_DATE", "Created Date", "datetime", "CreatedDate"),
    C("LAST_ACTIVITY", "Last Activity", "date", "LastActivityDate"),
    C("Account.Account_Number_Ext__c", "Account Number (Ext)", "string", "Account_Number_Ext__c"),
    C("Account.Health_Score__c", "Health Score", "percent", "Health_Score__c"),
    C("BILLING_LATITUDE", "Billing Latitude", "double", "BillingLatitude"),
    C("DESCRIPTION", "Description", "textarea", "Description"),
)
OPPORTUNITY_COLUMNS = (
    C("OPPORTUNITY_NAME", "Opportunity Name", "id", "Name", "Id"),
    C("ACCOUNT_NAME", "Account Name", "reference", "Account.Name", "AccountId"),
    C("STAGE_NAME", "Stage", "picklist", "StageName"),
    C("TYPE", "Type", "picklist", "Type"),
    C("LEAD_SOURCE", "Lead Source", "picklist", "LeadSource"),
    C("AMOUNT", "Amount", "currency", "Amount"),
    C("PROBABILITY", "Probability (%)", "percent", "Probability"),
    C("CLOSE_DATE", "Close Date", "date", "CloseDate"),
    C("CREATED_DATE", "Created Date", "datetime", "CreatedDate"),
    C("CLOSED", "Closed", "boolean", "IsClosed"),
    C("FULL_NAME", "Opportunity Owner", "reference", "Owner.Name", "OwnerId"),
)
CONTACT_COLUMNS = (
    C("CONTACT_ID", "Contact ID", "id", "Name", "Id"),
    C("FIRST_NAME", "First Name", "string", "FirstName"),
    C("LAST_NAME", "Last Name", "string", "LastName"),
    C("TITLE", "Title", "string", "Title"),
    C("EMAIL", "Email", "email", "Email"),
    C("PHONE1", "Phone", "phone", "Phone"),
    C("ACCOUNT.NAME", "Account Name", "reference", "Account.Name", "AccountId"),
    C("LEAD_SOURCE", "Lead Source", "picklist", "LeadSource"),
    C("EMAIL_OPT_OUT", "Email Opt Out", "boolean", "HasOptedOutOfEmail"),
    C("BIRTHDATE", "Birthdate", "date", "Birthdate"),
    C("CREATED_DATE", "Created Date", "datetime", "CreatedDate"),
    C("Contact.Interests__c", "Interests", "multipicklist", "Interests__c"),
    C("Contact.Lifetime_Value__c", "Lifetime Value", "currency", "Lifetime_Value__c"),
)


def _id(number: int) -> str:
    return make_id("00O", number)


ALL_ACCOUNTS = ReportDef(
    id=_id(1),
    name="All Accounts",
    developer_name="All_Accounts",
    report_format="TABULAR",
    report_type="AccountList",
    report_type_label="Accounts",
    base_object="Account",
    columns=ACCOUNT_COLUMNS,
    detail_columns=tuple(c.name for c in ACCOUNT_COLUMNS),
    description="Every account with its industry, revenue and owner.",
    sort_by=(("ACCOUNT.NAME", "Asc"),),
)
OPEN_OPPORTUNITIES = ReportDef(
    id=_id(2),
    name="Open Opportunities",
    developer_name="Open_Opportunities",
    report_format="TABULAR",
    report_type="Opportunity",
    report_type_label="Opportunities",
    base_object="Opportunity",
    columns=OPPORTUNITY_COLUMNS,
    detail_columns=(
        "OPPORTUNITY_NAME",
        "ACCOUNT_NAME",
        "STAGE_NAME",
        "AMOUNT",
        "PROBABILITY",
        "CLOSE_DATE",
        "CREATED_DATE",
        "CLOSED",
        "FULL_NAME",
    ),
    description="Opportunities not yet won or lost, with an amount above zero or none.",
    filters=(
        ReportFilter("STAGE_NAME", "notEqual", "Closed Won,Closed Lost"),
        ReportFilter("AMOUNT", "greaterThan", "0"),
        ReportFilter("AMOUNT", "equals", ""),
    ),
    boolean_filter="1 AND (2 OR 3)",
    sort_by=(("CLOSE_DATE", "Asc"),),
)
ALL_CONTACTS = ReportDef(
    id=_id(3),
    name="All Contacts",
    developer_name="All_Contacts",
    report_format="TABULAR",
    report_type="ContactList",
    report_type_label="Contacts & Accounts",
    base_object="Contact",
    columns=CONTACT_COLUMNS,
    detail_columns=tuple(c.name for c in CONTACT_COLUMNS),
    description="Every contact; grows past 2,000 rows when Contacts are generated.",
)
OPPORTUNITIES_BY_STAGE = ReportDef(
    id=_id(4),
    name="Opportunities by Stage",
    developer_name="Opportunities_by_Stage",
    report_format="SUMMARY",
    report_type="Opportunity",
    report_type_label="Opportunities",
    base_object="Opportunity",
    columns=OPPORTUNITY_COLUMNS,
    detail_columns=("OPPORTUNITY_NAME", "ACCOUNT_NAME", "AMOUNT", "CLOSE_DATE", "CREATED_DATE"),
    groupings_down=("STAGE_NAME",),
    aggregates=("s!AMOUNT", "RowCount"),
    sort_by=(("OPPORTUNITY_NAME", "Asc"),),
)
PIPELINE_MATRIX = ReportDef(
    id=_id(5),
    name="Pipeline by Stage and Type",
    developer_name="Pipeline_by_Stage_and_Type",
    report_format="MATRIX",
    report_type="Opportunity",
    report_type_label="Opportunities",
    base_object="Opportunity",
    columns=OPPORTUNITY_COLUMNS,
    detail_columns=("OPPORTUNITY_NAME", "AMOUNT"),
    groupings_down=("STAGE_NAME",),
    groupings_across=("TYPE",),
    aggregates=("s!AMOUNT", "RowCount"),
)
EXECUTIVE_ACCOUNTS = ReportDef(
    id=_id(6),
    name="Executive Account Review",
    developer_name="Executive_Account_Review",
    report_format="TABULAR",
    report_type="AccountList",
    report_type_label="Accounts",
    base_object="Account",
    columns=ACCOUNT_COLUMNS,
    detail_columns=("ACCOUNT.NAME", "ANNUAL_REVENUE"),
    folder_name="Executive (private)",
    description="In a folder the integration user is not shared on.",
    visible=False,
)

DEMO_REPORTS: tuple[ReportDef, ...] = (
    ALL_ACCOUNTS,
    OPEN_OPPORTUNITIES,
    ALL_CONTACTS,
    OPPORTUNITIES_BY_STAGE,
    PIPELINE_MATRIX,
    EXECUTIVE_ACCOUNTS,
)
"""Every saved report of the demo org; the hidden one has no ``Report`` row (SOQL does not
see it, as Salesforce's sharing hides it) but answers 403 by Id."""


def demo_report_count() -> int:
    """How many ``Report`` rows the demo org has (its visible reports)."""
    return sum(1 for r in DEMO_REPORTS if r.visible)


def insert_demo_reports(conn: sqlite3.Connection, catalog: Catalog) -> int:
    """Write the ``Report`` rows of the visible demo reports; returns how many were written."""
    if catalog.get("Report") is None:
        return 0
    user = conn.execute('SELECT "Id" FROM "User" ORDER BY rowid LIMIT 1').fetchone()
    user_id = user[0] if user else None
    stamp = format_datetime(START)
    rows = [
        (r.id, r.name, r.developer_name, r.description, r.report_format, r.folder_name)
        for r in DEMO_REPORTS
        if r.visible
    ]
    conn.executemany(
        'INSERT OR IGNORE INTO "Report" ("Id", "Name", "DeveloperName", "Description", "Format", '
        '"FolderName", "OwnerId", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", '
        '"LastModifiedById", "SystemModstamp") VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)',
        [(*row, user_id, stamp, user_id, stamp, user_id, stamp) for row in rows],
    )
    conn.execute(
        "INSERT INTO \"_id_counters\" (object, next) VALUES ('Report', ?) "
        "ON CONFLICT(object) DO UPDATE SET next = MAX(next, excluded.next)",
        (len(DEMO_REPORTS) + 1,),
    )
    return len(rows)
