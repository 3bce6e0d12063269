"""The column description: which generator fills each column of each object."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

from salesforce_emulator.catalog import SUB_INDUSTRIES, FieldDef, ObjectDef
from salesforce_emulator.demo.batch import ColumnFn, Gen
from salesforce_emulator.demo.clock import DAY, date_text, datetime_text
from salesforce_emulator.demo.generators import (
    addresses,
    bounced,
    business_times,
    choice,
    companies,
    company_names,
    const,
    created_between,
    date_after,
    date_of,
    datetime_after,
    datetime_of,
    derive,
    derive_r,
    domain_or_free_mail,
    during_life,
    email_address,
    fitted,
    flag,
    full_names,
    generic_base64,
    generic_dates,
    generic_datetimes,
    generic_flags,
    generic_ints,
    generic_names,
    generic_numbers,
    generic_strings,
    generic_times,
    generic_urls,
    ids,
    item,
    localized,
    locations,
    lognormal,
    merged_into,
    modified_seconds,
    modifiers,
    modstamp_seconds,
    multipicklist_values,
    nothing,
    ordinals,
    owners,
    paragraphs,
    parent_value,
    people,
    person_part,
    photo_urls,
    picklist_values,
    plain_emails,
    pool,
    ref_to,
    same_as,
    self_ref,
    sequence_text,
    short_texts,
    shortly_after,
    uniform_float,
    uniform_int,
    unique_emails,
    websites,
    weighted,
    when,
    whole,
)
from salesforce_emulator.demo.objects import (
    CASE_SUBJECTS,
    FORECAST_CATEGORIES,
    LANGUAGES,
    LEAD_STATUS,
    MEMBER_SOURCES,
    NEXT_STEPS,
    PRICEBOOKS,
    PRODUCTS,
    STAGES,
    account_contacts,
    account_deals,
    account_names,
    activity_accounts,
    activity_whats,
    activity_whos,
    actual_costs,
    attachment_files,
    campaign_members,
    campaign_names,
    case_accounts,
    cc_lists,
    close_days,
    contact_email_domains,
    contact_roles,
    email_bodies,
    email_customers,
    email_headers,
    email_html,
    email_parties,
    email_subjects,
    entry_prices,
    event_locations,
    event_minutes,
    event_starts,
    first_per_deal,
    group_names,
    is_closed_stage,
    is_won_stage,
    lead_conversions,
    line_items,
    line_names,
    locale_attribute,
    long_notes,
    member_companies,
    member_detail,
    opportunity_names,
    parent_roles,
    price_entries,
    products,
    project_names,
    quarter_of,
    related_records,
    reports_to,
    role_names,
    shipping_addresses,
    user_people,
    usernames,
)
from salesforce_emulator.demo.pools import ADDRESS_KEYS, LOCALES

DELETED_SHARE = 0.02
DEMO_PROFILES = ("00e000000000001AAA", "00e000000000002AAA", "00e000000000003AAA")
"""Profile Ids of the demo users (System Administrator, Standard User, Marketing User); the
emulator has no Profile object, so nothing resolves them."""


def _compound_parts(obj: ObjectDef, f: FieldDef) -> Gen | None:
    """A generator for a component of an address or location field."""
    compound = obj.field(f.compound_field_name or "")
    if compound is None or compound.type not in ("address", "location"):
        return None
    key = next((k for k, name in compound.compound_parts if name == f.name), "")
    if compound.type == "location":
        return Gen(item(f"_loc:{compound.name}", 0 if key == "latitude" else 1), 0)
    return Gen(fitted(item(f"_addr:{compound.name}", ADDRESS_KEYS.index(key))), 0)


TYPE_GENERATORS: dict[str, ColumnFn] = {
    "id": ids,
    "string": generic_strings,
    "encryptedstring": generic_strings,
    "combobox": picklist_values,
    "textarea": paragraphs(3),
    "picklist": picklist_values,
    "multipicklist": multipicklist_values,
    "email": plain_emails,
    "phone": pool("phones"),
    "url": generic_urls,
    "boolean": generic_flags,
    "int": generic_ints,
    "long": generic_ints,
    "double": generic_numbers,
    "currency": generic_numbers,
    "percent": generic_numbers,
    "date": generic_dates,
    "datetime": generic_datetimes,
    "time": generic_times,
    "reference": ref_to(),
    "base64": generic_base64,
}


DEPARTMENTS = (
    "Sales", "Marketing", "Finance", "IT", "Operations", "Customer Support", "Legal",
    "Human Resources", "R&D", "Procurement", "Einkauf", "Direction générale",
)  # fmt: skip


BOUNCE_REASONS = (
    "550 5.1.1 User unknown",
    "552 5.2.2 Mailbox full",
    "554 5.7.1 Message rejected: spam, policy",
    'Remote server said: "mailbox unavailable"',
)


SIC_CODES = {  # SIC description: (SIC code, NAICS code, NAICS description)
    "Computer Programming Services": ("7371", "541511", "Custom Computer Programming Services"),
    "Electronic Computers": ("3571", "334111", "Electronic Computer Manufacturing"),
    "Management Consulting": ("8742", "541611", "Administrative Management Consulting Services"),
    "Commercial Banks": ("6021", "522110", "Commercial Banking"),
    "Grocery Stores": ("5411", "445110", "Supermarkets and Other Grocery Stores"),
    "Hospitals": ("8062", "622110", "General Medical and Surgical Hospitals"),
    "Telephone Communications": ("4813", "517312", "Wireless Telecommunications Carriers"),
    "Motor Vehicle Parts": ("3714", "336390", "Other Motor Vehicle Parts Manufacturing"),
    "Real Estate Agents & Managers": ("6531", "531210", "Offices of Real Estate Agents"),
    "Engineering Services": ("8711", "541330", "Engineering Services"),
}
"""Account ``SicDesc`` values with their SIC and NAICS codes (``Sic``, ``NaicsCode``...)."""

CLEAN_STATUS_WEIGHTS = {
    "Pending": 6, "Matched": 2, "Different": 1, "NotFound": 1, "Acknowledged": 0, "Inactive": 0,
    "SelectMatch": 0, "Skipped": 0,
}  # fmt: skip
"""Data.com ``CleanStatus``: most records never compared, some matched."""


def _digits(count: int) -> ColumnFn:
    """A string of ``count`` random digits (D-U-N-S numbers)."""
    return derive_r(lambda r, _i: "".join(str(int(r() * 10)) for _ in range(count)), "Id")


def _ticker(name: str | None, ownership: str | None) -> str | None:
    """A ticker symbol for publicly owned companies: the name's first letters."""
    if ownership != "Public" or not name:
        return None
    letters = "".join(c for c in name.upper() if "A" <= c <= "Z")
    return letters[:4] or None


RECURRENCE_FIELDS = (
    "RecurrenceActivityId", "RecurrenceTimeZoneSidKey", "RecurrenceType", "RecurrenceInterval",
    "RecurrenceDayOfWeekMask", "RecurrenceDayOfMonth", "RecurrenceInstance",
    "RecurrenceMonthOfYear", "RecurrenceStartDateOnly", "RecurrenceEndDateOnly",
    "RecurrenceStartDateTime", "RecurrenceRegeneratedType", "Recurrence2PatternText",
    "Recurrence2PatternVersion",
)  # fmt: skip
"""Task and Event recurrence fields: null, as the demo's activities are not series."""
USER_PHOTOS = (
    ("FullPhotoUrl", "F"), ("SmallPhotoUrl", "T"), ("MediumPhotoUrl", "M"),
    ("BannerPhotoUrl", "B"), ("SmallBannerPhotoUrl", "D"), ("MediumBannerPhotoUrl", "E"),
)  # fmt: skip
"""User photo URL fields and the size letter of the default photo Salesforce links to."""

COMMON_GENERATORS: dict[str, Gen] = {
    "Id": Gen(ids, 0),
    "IsDeleted": Gen(flag(DELETED_SHARE), 0),
    "_created": Gen(created_between(0.0, 1.0), 0),
    "_modified": Gen(modified_seconds, 0),
    "_modstamp": Gen(modstamp_seconds, 0),
    "CreatedDate": Gen(datetime_of("_created"), 0),
    "LastModifiedDate": Gen(datetime_of("_modified"), 0),
    "SystemModstamp": Gen(datetime_of("_modstamp"), 0),
    "OwnerId": Gen(owners, 0),
    "CreatedById": Gen(owners, 0),
    "LastModifiedById": Gen(modifiers, 0),
    "MasterRecordId": Gen(merged_into, 0),
    "Name": Gen(generic_names, 0),
    "_person": Gen(people, 0),
    "_locale": Gen(item("_person", 4), 0),
    "_company": Gen(localized("companies", 0.8), 0),
    "_email_domain": Gen(derive_r(lambda r, c: domain_or_free_mail(r, c[1]), "_company"), 0),
    "Salutation": Gen(picklist_values, 0.4),
    "FirstName": Gen(person_part(0), 0.02),
    "LastName": Gen(person_part(1), 0),
    "Email": Gen(unique_emails, 0.04),
    "Title": Gen(localized("jobs", 0.9), 0.1),
    "Department": Gen(choice(DEPARTMENTS), 0.25),
    "Description": Gen(paragraphs(4), 0.2),
    "Phone": Gen(localized("phones"), 0.05),
    "Fax": Gen(localized("phones"), 0.6),
    "MobilePhone": Gen(localized("phones"), 0.25),
    "HomePhone": Gen(localized("phones"), 0.6),
    "OtherPhone": Gen(localized("phones"), 0.85),
    "Website": Gen(websites, 0.1),
    "PhotoUrl": Gen(photo_urls, 0.3),
    "Jigsaw": Gen(derive_r(lambda r, _i: f"{int(r() * 1e8):08d}", "Id"), 0.7),
    "JigsawCompanyId": Gen(derive(lambda j: j and f"C{j}", "Jigsaw"), 0),
    "JigsawContactId": Gen(derive(lambda j: j and f"P{j}", "Jigsaw"), 0),
    "SicDesc": Gen(choice(tuple(SIC_CODES)), 0.4),
    "AnnualRevenue": Gen(lognormal(15.5, 1.9, -3), 0.15),
    "NumberOfEmployees": Gen(whole(lognormal(4.5, 1.8, 0, 2_000_000)), 0.1),
    "HasOptedOutOfEmail": Gen(flag(0.08), 0),
    "DoNotCall": Gen(flag(0.04), 0),
    "LastActivityDate": Gen(date_after(365), 0.35),
    "LastViewedDate": Gen(datetime_after(400), 0.45),
    "LastReferencedDate": Gen(
        derive_r(lambda r, v: v and (v if r() < 0.6 else shortly_after(v, r)), "LastViewedDate"), 0
    ),
    "_bounced": Gen(bounced, 0),
    "IsEmailBounced": Gen(derive(int, "_bounced"), 0),
    "EmailBouncedReason": Gen(when("_bounced", choice(BOUNCE_REASONS)), 0),
    "EmailBouncedDate": Gen(when("_bounced", during_life()), 0),
    "CleanStatus": Gen(weighted(CLEAN_STATUS_WEIGHTS), 0),
    "HasOptedOutOfFax": Gen(flag(0.03), 0),
    "IndividualId": Gen(nothing, 0),
    "DandbCompanyId": Gen(nothing, 0),
    "IsArchived": Gen(const(0), 0),
    "WhoCount": Gen(derive(lambda w: int(w is not None), "WhoId"), 0),
    "WhatCount": Gen(derive(lambda w: int(w is not None), "WhatId"), 0),
    # activities are single occurrences, not series
    **dict.fromkeys(RECURRENCE_FIELDS, Gen(nothing, 0)),
    "IsRecurrence": Gen(const(0), 0),
}


def _sub_industry(r: Callable[[], float], industry: str | None) -> str | None:
    """A ``Sub_Industry__c`` value valid for ``industry`` (its controlling value)."""
    subs = SUB_INDUSTRIES.get(industry or "")
    return subs[int(r() * len(subs))] if subs else None


OBJECT_GENERATORS: dict[str, dict[str, Gen]] = {
    "UserRole": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.01), 0),
        "Name": Gen(role_names, 0),
        "ParentRoleId": Gen(parent_roles, 0),
        "RollupDescription": Gen(same_as("Name"), 0),
        "DeveloperName": Gen(derive(lambda n: re.sub(r"\W+", "_", n).strip("_"), "Name"), 0),
        "OpportunityAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "CaseAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "ContactAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "PortalType": Gen(fitted(const("None")), 0),
        "ForecastUserId": Gen(nothing, 0),
        "MayForecastManagerShare": Gen(const(0), 0),
        "PortalAccountId": Gen(nothing, 0),
        "PortalAccountOwnerId": Gen(nothing, 0),
    },
    "User": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(derive(lambda c, s: 0 if s == 0 else c, "_base_created", "_seq"), 0),
        "_base_created": Gen(created_between(0.0, 0.2), 0),
        "_person": Gen(user_people, 0),
        "_addr:Address": Gen(addresses, 0.4),
        "Username": Gen(usernames, 0),
        "Email": Gen(same_as("Username"), 0),
        "Alias": Gen(derive(lambda p: (p[2][:1] + p[3])[:8] or "user", "_person"), 0),
        "CommunityNickname": Gen(derive(lambda u: u.split("@")[0][:40], "Username"), 0),
        "CompanyName": Gen(const("Demo Org, Inc."), 0),
        "Division": Gen(choice(("Americas", "EMEA", "APAC")), 0.3),
        "IsActive": Gen(derive_r(lambda r, s: int(s == 0 or r() < 0.92), "_seq"), 0),
        "TimeZoneSidKey": Gen(locale_attribute("time_zone"), 0),
        "LocaleSidKey": Gen(fitted(derive(lambda p: LOCALES[p[4]].code, "_person")), 0),
        "LanguageLocaleKey": Gen(locale_attribute("language"), 0),
        "EmailEncodingKey": Gen(weighted({"UTF-8": 19, "ISO-8859-1": 1}), 0),
        "UserType": Gen(fitted(const("Standard")), 0),
        "UserRoleId": Gen(when("_seq", ref_to("UserRole")), 0.1),
        "EmployeeNumber": Gen(derive(lambda s: f"E{s + 1:05d}", "_seq"), 0.2),
        "ManagerId": Gen(self_ref(0.7), 0),
        "LastLoginDate": Gen(datetime_after(900), 0.1),
        "ProfileId": Gen(derive(lambda s: DEMO_PROFILES[0 if s == 0 else 1 + s % 2], "_seq"), 0),
        "Extension": Gen(derive_r(lambda r, _i: str(100 + int(r() * 900)), "Id"), 0.8),
        "SenderEmail": Gen(nothing, 0),
        "SenderName": Gen(nothing, 0),
        "Signature": Gen(
            derive(lambda p, t: f"{p[0]} {p[1]}\n{t or 'Demo Org, Inc.'}", "_person", "Title"), 0.7
        ),
        "FederationIdentifier": Gen(same_as("Username"), 0.8),
        "AboutMe": Gen(paragraphs(2), 0.8),
        **{name: Gen(const(f"/profilephoto/005/{size}"), 0) for name, size in USER_PHOTOS},
        "IsProfilePhotoActive": Gen(const(0), 0),
        "DigestFrequency": Gen(weighted({"D": 6, "W": 3, "N": 1}), 0),
        "DefaultGroupNotificationFrequency": Gen(weighted({"N": 6, "D": 3, "P": 1}), 0),
        "ReceivesInfoEmails": Gen(flag(0.5), 0),
        "ReceivesAdminInfoEmails": Gen(flag(0.3), 0),
        "ForecastEnabled": Gen(flag(0.2), 0),
        "LastPasswordChangeDate": Gen(during_life(), 0.05),
        "DelegatedApproverId": Gen(nothing, 0),
        "ContactId": Gen(nothing, 0),
        "AccountId": Gen(nothing, 0),
        "CallCenterId": Gen(nothing, 0),
    },
    "Account": {
        "_company": Gen(companies, 0),
        "_locale": Gen(item("_company", 2), 0),
        "Name": Gen(account_names, 0),
        "Type": Gen(
            weighted(
                {
                    "Customer - Direct": 35,
                    "Prospect": 30,
                    "Customer - Channel": 15,
                    "Partner": 10,
                    "Other": 10,
                }
            ),
            0.05,
        ),
        "ParentId": Gen(self_ref(0.08), 0),
        "_addr:BillingAddress": Gen(addresses, 0.05),
        "_addr:ShippingAddress": Gen(shipping_addresses, 0.15),
        "_loc:Headquarters__c": Gen(
            derive(lambda a: a and (a[5], a[6]), "_addr:BillingAddress"), 0.1
        ),
        "Customer_Tier__c": Gen(
            weighted({"Bronze": 4, "Silver": 3, "Gold": 2, "Platinum": 1}), 0.2
        ),
        "Health_Score__c": Gen(uniform_float(0, 100, 2), 0.2),
        "Account_Number_Ext__c": Gen(sequence_text("Account_Number_Ext__c", "ACC-", 7, 1), 0),
        # a dependent picklist: only values valid for the row's Industry (null without one)
        "Sub_Industry__c": Gen(derive_r(_sub_industry, "Industry"), 0.1),
        "AccountNumber": Gen(_digits(6), 0.3),
        "Site": Gen(choice(("Headquarters", "Branch", "Main Office", "EMEA", "US West")), 0.6),
        "Sic": Gen(derive(lambda d: SIC_CODES[d][0] if d else None, "SicDesc"), 0),
        "NaicsCode": Gen(derive(lambda d: SIC_CODES[d][1] if d else None, "SicDesc"), 0),
        "NaicsDesc": Gen(derive(lambda d: SIC_CODES[d][2] if d else None, "SicDesc"), 0),
        "Ownership": Gen(weighted({"Private": 5, "Public": 3, "Subsidiary": 1, "Other": 1}), 0.3),
        "TickerSymbol": Gen(derive(_ticker, "Name", "Ownership"), 0.2),
        "Rating": Gen(weighted({"Hot": 2, "Warm": 5, "Cold": 4}), 0.3),
        "DunsNumber": Gen(_digits(9), 0.6),
        "Tradestyle": Gen(nothing, 0),
        "YearStarted": Gen(derive_r(lambda r, _i: str(1900 + int(r() * 124)), "Id"), 0.5),
    },
    "Contact": {
        "AccountId": Gen(ref_to("Account"), 0.03),
        "_email_domain": Gen(contact_email_domains, 0),
        "ReportsToId": Gen(reports_to, 0),
        "_addr:OtherAddress": Gen(addresses, 0.75),
        "AssistantName": Gen(full_names, 0.85),
        "AssistantPhone": Gen(localized("phones"), 0.85),
        "Birthdate": Gen(date_of("_birth_day"), 0.6),
        "_birth_day": Gen(uniform_int(-27000, -7300), 0),
        "LastCURequestDate": Gen(datetime_after(300), 0.85),
        "LastCUUpdateDate": Gen(datetime_after(300), 0.85),
        "Languages__c": Gen(choice(LANGUAGES), 0.5),
        "Level__c": Gen(weighted({"Primary": 5, "Secondary": 3, "Tertiary": 1}), 0.2),
        "Preferred_Contact_Time__c": Gen(business_times, 0.5),
        "Lifetime_Value__c": Gen(lognormal(9.0, 1.5, 2), 0.3),
    },
    "Lead": {
        "Company": Gen(item("_company", 0), 0),
        "_addr:Address": Gen(addresses, 0.1),
        "Website": Gen(websites, 0.3),
        "Status": Gen(weighted(LEAD_STATUS), 0),
        "Rating": Gen(weighted({"Hot": 2, "Warm": 5, "Cold": 4}), 0.3),
        "IsConverted": Gen(derive(lambda s: int(s == "Closed - Converted"), "Status"), 0),
        "_conversion": Gen(lead_conversions, 0),
        "ConvertedDate": Gen(when("IsConverted", during_life(as_date=True)), 0),
        "ConvertedAccountId": Gen(item("_conversion", 0), 0),
        "ConvertedContactId": Gen(item("_conversion", 1), 0),
        "ConvertedOpportunityId": Gen(item("_conversion", 2), 0),
        "IsUnreadByOwner": Gen(
            derive_r(lambda r, s: int(s == "Open - Not Contacted" and r() < 0.5), "Status"), 0
        ),
        "Score__c": Gen(uniform_float(0, 100, 1), 0.2),
        "LastTransferDate": Gen(during_life(as_date=True), 0.7),
        "CompanyDunsNumber": Gen(_digits(9), 0.7),
    },
    "Opportunity": {
        "AccountId": Gen(ref_to("Account"), 0.02),
        "IsPrivate": Gen(flag(0.02), 0),
        "Name": Gen(opportunity_names, 0),
        "StageName": Gen(weighted({s: v[2] for s, v in STAGES.items()}), 0),
        "Amount": Gen(lognormal(10.5, 1.3, -2, 5e8), 0.03),
        "Probability": Gen(derive(lambda s: STAGES.get(s, (50,))[0], "StageName"), 0),
        "TotalOpportunityQuantity": Gen(whole(uniform_int(1, 500)), 0.5),
        "_close": Gen(close_days, 0),
        "CloseDate": Gen(date_of("_close"), 0),
        "NextStep": Gen(when("_open", choice(NEXT_STEPS)), 0.3),
        "_open": Gen(derive(lambda s: not is_closed_stage(s), "StageName"), 0),
        "IsClosed": Gen(derive(lambda s: int(is_closed_stage(s)), "StageName"), 0),
        "IsWon": Gen(derive(lambda s: int(is_won_stage(s)), "StageName"), 0),
        "ForecastCategoryName": Gen(
            fitted(derive(lambda s: STAGES.get(s, (0, "Pipeline"))[1], "StageName")), 0
        ),
        "CampaignId": Gen(ref_to("Campaign"), 0.7),
        "HasOpportunityLineItem": Gen(const(0), 0),
        "Pricebook2Id": Gen(ref_to("Pricebook2"), 0.15),
        "FiscalYear": Gen(derive(lambda d: int(date_text(d)[:4]), "_close"), 0),
        "FiscalQuarter": Gen(derive(quarter_of, "_close"), 0),
        "Fiscal": Gen(derive(lambda d: f"{date_text(d)[:4]} {quarter_of(d)}", "_close"), 0),
        # Fields the connector docs list that the catalog may add later:
        "ForecastCategory": Gen(
            fitted(derive(lambda s: FORECAST_CATEGORIES.get(s, "Pipeline"), "StageName")), 0
        ),
        "ContactId": Gen(account_contacts("AccountId"), 0.2),
        "HasOpenActivity": Gen(flag(0.3), 0),
        "HasOverdueTask": Gen(flag(0.1), 0),
        "LastStageChangeDate": Gen(during_life(), 0.2),
        "PushCount": Gen(uniform_int(0, 4), 0),
        "Competitor__c": Gen(company_names, 0.6),
        "Delivery_Status__c": Gen(when("IsWon", picklist_values), 0),
        "LastAmountChangedHistoryId": Gen(nothing, 0),
        "LastCloseDateChangedHistoryId": Gen(nothing, 0),
    },
    "OpportunityLineItem": {
        "_line": Gen(line_items, 0),
        "OpportunityId": Gen(item("_line", 0), 0),
        "PricebookEntryId": Gen(item("_line", 1), 0),
        "Product2Id": Gen(item("_line", 2), 0),
        "ListPrice": Gen(item("_line", 3), 0),
        "ProductCode": Gen(item("_line", 4), 0),
        "Name": Gen(line_names, 0),
        "SortOrder": Gen(uniform_int(1, 10), 0.5),
        "Quantity": Gen(whole(uniform_int(1, 100)), 0),
        "UnitPrice": Gen(
            derive_r(lambda r, p: p and round(p * (1 - int(r() * 4) * 0.05), 2), "ListPrice"), 0
        ),
        "TotalPrice": Gen(derive(lambda q, u: u and round(q * u, 2), "Quantity", "UnitPrice"), 0),
        "ServiceDate": Gen(date_after(180), 0.5),
        "Description": Gen(short_texts, 0.6),
        "Subtotal": Gen(derive(lambda q, u: u and round(q * u, 2), "Quantity", "UnitPrice"), 0),
        "Discount": Gen(nothing, 0),
    },
    "OpportunityContactRole": {
        "_role": Gen(contact_roles, 0),
        "OpportunityId": Gen(item("_role", 0), 0),
        "ContactId": Gen(item("_role", 1), 0),
        "Role": Gen(weighted({"Decision Maker": 3, "Economic Buyer": 2, "Evaluator": 3}), 0.1),
        "IsPrimary": Gen(first_per_deal, 0),
    },
    "Case": {
        "CaseNumber": Gen(sequence_text("CaseNumber", "", 8, 1000), 0),
        "ContactId": Gen(ref_to("Contact"), 0.08),
        "AccountId": Gen(case_accounts, 0),
        "ParentId": Gen(self_ref(0.05), 0),
        "Origin": Gen(weighted({"Phone": 35, "Email": 40, "Web": 25}), 0.03),
        "_web": Gen(derive(lambda o: o == "Web", "Origin"), 0),
        "SuppliedName": Gen(when("_web", derive(lambda p: f"{p[0]} {p[1]}", "_person")), 0),
        "SuppliedEmail": Gen(
            when(
                "_web", derive_r(lambda r, p, c: email_address(r, p, c[1]), "_person", "_company")
            ),
            0,
        ),
        "SuppliedPhone": Gen(when("_web", localized("phones")), 0),
        "SuppliedCompany": Gen(when("_web", item("_company", 0)), 0),
        "Status": Gen(weighted({"New": 20, "Working": 25, "Escalated": 10, "Closed": 45}), 0),
        "Subject": Gen(choice(CASE_SUBJECTS), 0.02),
        "Priority": Gen(weighted({"High": 20, "Medium": 55, "Low": 25}), 0),
        "IsClosed": Gen(derive(lambda s: int(s == "Closed"), "Status"), 0),
        "ClosedDate": Gen(when("IsClosed", during_life()), 0),
        "IsEscalated": Gen(derive_r(lambda r, s: int(s == "Escalated" or r() < 0.03), "Status"), 0),
        "Comments": Gen(paragraphs(3, 0.1), 0.5),
        "SLA_Violation__c": Gen(weighted({"No": 85, "Yes": 15}), 0.1),
        "Product__c": Gen(choice([p[0] for p in PRODUCTS]), 0.3),
        "AssetId": Gen(nothing, 0),
        "BusinessHoursId": Gen(nothing, 0),
    },
    "Campaign": {
        "_seq": Gen(ordinals, 0),
        "Name": Gen(campaign_names, 0),
        "ParentId": Gen(self_ref(0.2), 0),
        "Status": Gen(weighted({"Planned": 2, "In Progress": 3, "Completed": 4, "Aborted": 1}), 0),
        "_start": Gen(derive_r(lambda r, c: c // DAY + int(r() * 60), "_created"), 0),
        "StartDate": Gen(date_of("_start"), 0.05),
        "EndDate": Gen(derive_r(lambda r, d: date_text(d + 1 + int(r() * 90)), "_start"), 0.1),
        "ExpectedRevenue": Gen(lognormal(12.0, 1.0, -3), 0.2),
        "BudgetedCost": Gen(lognormal(9.5, 1.0, -2), 0.2),
        "ActualCost": Gen(actual_costs, 0),
        "ExpectedResponse": Gen(uniform_float(0.5, 25, 2), 0.2),
        "NumberSent": Gen(whole(uniform_int(100, 50_000)), 0.3),
        "IsActive": Gen(derive(lambda s: int(s in ("Planned", "In Progress")), "Status"), 0),
        "NumberOfLeads": Gen(const(0), 0),
        "NumberOfContacts": Gen(const(0), 0),
        "NumberOfResponses": Gen(const(0), 0),
        "NumberOfOpportunities": Gen(const(0), 0),
        "AmountAllOpportunities": Gen(const(0.0), 0),
        "NumberOfConvertedLeads": Gen(const(0), 0),
        "NumberOfWonOpportunities": Gen(const(0), 0),
        "AmountWonOpportunities": Gen(const(0.0), 0),
        "CampaignMemberRecordTypeId": Gen(nothing, 0),
    },
    "CampaignMember": {
        "_member": Gen(campaign_members, 0),
        "CampaignId": Gen(item("_member", 0), 0),
        "LeadId": Gen(item("_member", 1), 0),
        "ContactId": Gen(item("_member", 2), 0),
        "Status": Gen(weighted({"Sent": 40, "Received": 20, "Responded": 25, "Planned": 15}), 0),
        "HasResponded": Gen(derive(lambda s: int(s == "Responded"), "Status"), 0),
        "FirstRespondedDate": Gen(when("HasResponded", during_life(as_date=True)), 0),
        "Type": Gen(derive(lambda m: "Lead" if m and m[1] else "Contact", "_member"), 0),
        **{name: Gen(member_detail(name), 0) for name in MEMBER_SOURCES},
        "Name": Gen(
            derive(lambda f, n: " ".join(x for x in (f, n) if x) or None, "FirstName", "LastName"),
            0,
        ),
        "Description": Gen(nothing, 0),
        "CompanyOrAccount": Gen(member_companies, 0),
        "LeadOrContactId": Gen(derive(lambda m: m[1] or m[2], "_member"), 0),
    },
    "Task": {
        "_who": Gen(activity_whos, 0),
        "_what": Gen(activity_whats, 0),
        "WhoId": Gen(item("_who", 0), 0),
        "WhatId": Gen(item("_what", 0), 0),
        "AccountId": Gen(activity_accounts, 0),
        "ActivityDate": Gen(date_after(60), 0.1),
        "Status": Gen(weighted({"Completed": 55, "Not Started": 20, "In Progress": 15}), 0),
        "Priority": Gen(weighted({"High": 15, "Normal": 70, "Low": 15}), 0),
        "IsHighPriority": Gen(derive(lambda p: int(p == "High"), "Priority"), 0),
        "IsClosed": Gen(derive(lambda s: int(s == "Completed"), "Status"), 0),
        "TaskSubtype": Gen(weighted({"Task": 5, "Email": 3, "Call": 4}), 0),
        "_call": Gen(derive(lambda t: t == "Call", "TaskSubtype"), 0),
        "CallDurationInSeconds": Gen(when("_call", uniform_int(20, 3600)), 0.1),
        "CallType": Gen(when("_call", picklist_values), 0),
        "IsReminderSet": Gen(flag(0.2), 0),
        "ReminderDateTime": Gen(when("IsReminderSet", datetime_after(30)), 0),
        "CompletedDateTime": Gen(when("IsClosed", during_life()), 0),
        "CallDisposition": Gen(
            when("_call", choice(("Connected", "Left voicemail", "No answer", "Call back later"))),
            0.2,
        ),
        "CallObject": Gen(nothing, 0),
    },
    "Event": {
        "_who": Gen(activity_whos, 0),
        "_what": Gen(activity_whats, 0),
        "WhoId": Gen(item("_who", 0), 0),
        "WhatId": Gen(item("_what", 0), 0),
        "AccountId": Gen(activity_accounts, 0),
        "Location": Gen(event_locations, 0.2),
        "IsAllDayEvent": Gen(flag(0.1), 0),
        "_start": Gen(event_starts, 0),
        "DurationInMinutes": Gen(event_minutes, 0),
        "StartDateTime": Gen(datetime_of("_start"), 0),
        "ActivityDateTime": Gen(datetime_of("_start"), 0),
        "ActivityDate": Gen(derive(lambda s: date_text(s // DAY), "_start"), 0),
        "EndDateTime": Gen(
            derive(lambda s, m: datetime_text(s + m * 60), "_start", "DurationInMinutes"), 0
        ),
        "ShowAs": Gen(weighted({"Busy": 8, "OutOfOffice": 1, "Free": 1}), 0),
        "IsPrivate": Gen(flag(0.05), 0),
        "EndDate": Gen(
            derive(lambda s, m: date_text((s + m * 60 - 1) // DAY), "_start", "DurationInMinutes"),
            0,
        ),
        "IsChild": Gen(const(0), 0),
        "IsGroupEvent": Gen(const(0), 0),
        "GroupEventType": Gen(nothing, 0),
        "IsReminderSet": Gen(flag(0.3), 0),
        "ReminderDateTime": Gen(
            when("IsReminderSet", derive(lambda s: datetime_text(max(0, s - 900)), "_start")), 0
        ),
        "EventSubtype": Gen(const("Event"), 0),
        "IsRecurrence2": Gen(const(0), 0),
        "IsRecurrence2Exception": Gen(const(0), 0),
        "IsRecurrence2Exclusion": Gen(const(0), 0),
    },
    "EmailMessage": {
        "ParentId": Gen(ref_to("Case"), 0.15),
        "RelatedToId": Gen(related_records, 0),
        "ActivityId": Gen(ref_to("Task"), 0.6),
        "Incoming": Gen(flag(0.5), 0),
        "_customer": Gen(email_customers, 0),
        "_from": Gen(email_parties(0), 0),
        "_to": Gen(email_parties(1), 0),
        "FromName": Gen(item("_from", 0), 0),
        "FromAddress": Gen(item("_from", 1), 0),
        "ToAddress": Gen(item("_to", 1), 0),
        "CcAddress": Gen(cc_lists, 0.8),
        "BccAddress": Gen(cc_lists, 0.95),
        "Subject": Gen(email_subjects, 0.02),
        "TextBody": Gen(email_bodies, 0.02),
        "HtmlBody": Gen(derive(email_html, "TextBody"), 0.15),
        "Headers": Gen(derive(email_headers, "MessageIdentifier", "_from", "_to"), 0.3),
        "HasAttachment": Gen(flag(0.1), 0),
        "Status": Gen(
            fitted(
                derive_r(
                    lambda r, i: str(int(r() * 3)) if i else ("5" if r() < 0.03 else "3"),
                    "Incoming",
                )
            ),
            0,
        ),
        "MessageDate": Gen(
            derive_r(lambda r, c: datetime_text(max(0, c - int(r() * 3600))), "_created"), 0
        ),
        "IsExternallyVisible": Gen(flag(0.4), 0),
        "MessageIdentifier": Gen(derive(lambda i: f"<{i.lower()}@mail.demo.example.com>", "Id"), 0),
        "ThreadIdentifier": Gen(
            derive(
                lambda p, m: f"<thread.{p.lower()}@mail.demo.example.com>" if p else m,
                "ParentId",
                "MessageIdentifier",
            ),
            0,
        ),
        "ValidatedFromAddress": Gen(nothing, 0),
        "ReplyToEmailMessageId": Gen(nothing, 0),
        "IsPrivateDraft": Gen(const(0), 0),
        "IsClientManaged": Gen(const(0), 0),
        "IsTracked": Gen(derive_r(lambda r, i: int(not i and r() < 0.4), "Incoming"), 0),
        "IsOpened": Gen(derive_r(lambda r, t: int(bool(t) and r() < 0.6), "IsTracked"), 0),
        "FirstOpenedDate": Gen(
            when("IsOpened", derive_r(lambda r, m: shortly_after(m, r), "MessageDate")), 0
        ),
        "LastOpenedDate": Gen(
            derive_r(
                lambda r, f: f and (f if r() < 0.5 else shortly_after(f, r)), "FirstOpenedDate"
            ),
            0,
        ),
        "IsBounced": Gen(derive_r(lambda r, i: int(not i and r() < 0.02), "Incoming"), 0),
        "EmailTemplateId": Gen(nothing, 0),
    },
    "Attachment": {
        "_seq": Gen(ordinals, 0),
        "_file": Gen(attachment_files, 0),
        "ParentId": Gen(ref_to(), 0),
        "Name": Gen(item("_file", 0), 0),
        "ContentType": Gen(item("_file", 1), 0),
        "Body": Gen(derive(lambda x: base64.b64encode(x[2]).decode("ascii"), "_file"), 0),
        "BodyLength": Gen(derive(lambda x: len(x[2]), "_file"), 0),
        "IsPrivate": Gen(flag(0.1), 0),
        "Description": Gen(short_texts, 0.5),
    },
    "Product2": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.05), 0),
        "_product": Gen(products, 0),
        "Name": Gen(item("_product", 0), 0),
        "Family": Gen(fitted(item("_product", 1)), 0),
        "QuantityUnitOfMeasure": Gen(fitted(item("_product", 2)), 0),
        "ProductCode": Gen(derive(lambda s: f"GC{1000 + s}", "_seq"), 0),
        "ExternalId": Gen(derive(lambda s: f"PRD-{s + 1:05d}", "_seq"), 0.1),
        "StockKeepingUnit": Gen(derive(lambda s: f"SKU-{s + 1:06d}", "_seq"), 0.1),
        "DisplayUrl": Gen(
            derive(lambda s: f"https://shop.demo.example.com/p/GC{1000 + s}", "_seq"), 0.3
        ),
        "IsActive": Gen(flag(0.9), 0),
        "IsArchived": Gen(const(0), 0),
        "ExternalDataSourceId": Gen(nothing, 0),
    },
    "Pricebook2": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.02), 0),
        "IsDeleted": Gen(const(0), 0),
        "Name": Gen(
            derive(
                lambda s: PRICEBOOKS[s] if s < len(PRICEBOOKS) else f"Price Book {s + 1}", "_seq"
            ),
            0,
        ),
        "IsActive": Gen(derive_r(lambda r, s: int(s < 3 or r() < 0.7), "_seq"), 0),
        "IsStandard": Gen(derive(lambda s: int(s == 0), "_seq"), 0),
        "Description": Gen(short_texts, 0.3),
        "IsArchived": Gen(const(0), 0),
    },
    "PricebookEntry": {
        "_created": Gen(created_between(0.05, 0.08), 0),
        "_pair": Gen(price_entries, 0),
        "Pricebook2Id": Gen(item("_pair", 0), 0),
        "Product2Id": Gen(item("_pair", 1), 0),
        "UseStandardPrice": Gen(
            derive_r(lambda r, p: int(bool(p) and not p[2] and r() < 0.1), "_pair"), 0
        ),
        "UnitPrice": Gen(entry_prices, 0),
        "ProductCode": Gen(parent_value("Product2", "ProductCode", "Product2Id"), 0),
        "Name": Gen(parent_value("Product2", "Name", "Product2Id"), 0),
        "IsActive": Gen(flag(0.95), 0),
    },
    "My__Community_Group__c": {
        "Name": Gen(group_names, 0),
        "Description__c": Gen(paragraphs(4), 0.2),
        "Member_Count__c": Gen(lognormal(3.8, 1.0, 0, 5000), 0.05),
        "Account__c": Gen(ref_to("Account"), 0.3),
        "Founded__c": Gen(date_of("_founded"), 0.1),
        "_founded": Gen(uniform_int(-5800, 900), 0),
        "Is_Public__c": Gen(flag(0.75), 0),
        "Last_Meeting__c": Gen(datetime_after(200), 0.2),
        "_loc:Meeting_Place__c": Gen(locations, 0.2),
    },
    "Project__c": {
        "Account__c": Gen(ref_to("Account"), 0.05),
        "Name": Gen(project_names, 0),
        "Opportunity__c": Gen(account_deals, 0),
        "Budget__c": Gen(lognormal(11.0, 1.0, -2), 0.1),
        "Status__c": Gen(weighted({"Planned": 2, "Active": 4, "On Hold": 1, "Done": 3}), 0.05),
        "Start_Date__c": Gen(date_after(120), 0.1),
        "Kickoff_Time__c": Gen(business_times, 0.3),
        "Notes__c": Gen(long_notes, 0.2),
        "Completion__c": Gen(
            derive_r(
                lambda r, s: {"Done": 100.0, "Planned": 0.0}.get(s, round(r() * 95, 2)), "Status__c"
            ),
            0,
        ),
        "Website__c": Gen(generic_urls, 0.4),
    },
}


def resolve_generator(obj: ObjectDef, name: str, f: FieldDef | None) -> Gen:
    """The generator of a column: per object, common, compound component, by type, or nulls."""
    gen = OBJECT_GENERATORS.get(obj.name, {}).get(name) or COMMON_GENERATORS.get(name)
    if gen is not None:
        return gen
    if name.startswith("_addr:"):
        return Gen(addresses, 0.05)
    if name.startswith("_loc:"):
        return Gen(locations, 0.1)
    if f is None:
        return Gen(nothing, 0)
    if f.compound_field_name:
        part = _compound_parts(obj, f)
        if part is not None:
            return part
    return Gen(TYPE_GENERATORS.get(f.type, generic_strings))
