"""Column generators and value lists of particular objects (Account names, deal stages...)."""

from __future__ import annotations

import html
import json
import random
from typing import Any

from salesforce_emulator.catalog import FieldDef
from salesforce_emulator.demo.batch import Batch, Column, ColumnFn
from salesforce_emulator.demo.clock import DAY, LAST_DAY, SPAN, date_text
from salesforce_emulator.demo.generators import (
    addresses,
    choice,
    company_names,
    derive,
    domain_or_free_mail,
    fitted,
    full_names,
    make_unique,
    paragraphs,
    people,
    plain_emails,
    ref_to,
    short_texts,
)
from salesforce_emulator.demo.pools import EDGE_TEXTS, LOCALES, Person

INTEGRATION_USERNAME = "integration@demo.example.com"


def _website_domain(url: str | None) -> str | None:
    return url.split("://", 1)[-1].removeprefix("www.").split("/", 1)[0] if url else None


def contact_email_domains(b: Batch, _f: FieldDef) -> Column:
    """Mostly the domain of the Contact's Account website, else a free-mail domain."""
    websites = b.index.column("Account", "Website")
    return [
        domain_or_free_mail(b.r, _website_domain(websites.get(a)) if a else None)
        for a in b.col("AccountId")
    ]


ACCOUNT_SUFFIXES = ("Holdings", "International", "Group", "Europe", "Japan", "(Old)", "- EMEA")


def account_names(b: Batch, _f: FieldDef) -> Column:
    """Company names, a third with a suffix (duplicates stay possible, as in real orgs)."""
    r, k = b.r, len(ACCOUNT_SUFFIXES)
    return [
        c[0] if r() < 0.67 else f"{c[0]} {ACCOUNT_SUFFIXES[int(r() * k)]}"
        for c in b.col("_company")
    ]


def shipping_addresses(b: Batch, f: FieldDef) -> Column:
    """The billing address for 60% of accounts, another address for the rest."""
    r, others = b.r, addresses(b, f)
    return [a if a is not None and r() < 0.6 else o for a, o in zip(
        b.col("_addr:BillingAddress"), others, strict=True)]  # fmt: skip


def reports_to(b: Batch, _f: FieldDef) -> Column:
    """For 40% of Contacts, the first earlier Contact of the same Account."""
    first_by_account: dict[str, str] = {}
    r, out = b.r, list[Any]()
    for contact, account, gone in zip(b.ids, b.col("AccountId"), b.col("IsDeleted"), strict=True):
        boss = first_by_account.get(account) if account else None
        out.append(boss if boss and r() < 0.4 else None)
        if account and not gone:
            first_by_account.setdefault(account, contact)
    return out


LANGUAGES = ("English", "English, German", "Français", "日本語, English", "Español", "Deutsch")


LEAD_STATUS = {
    "Open - Not Contacted": 40,
    "Working - Contacted": 30,
    "Closed - Converted": 15,
    "Closed - Not Converted": 15,
}


def lead_conversions(b: Batch, _f: FieldDef) -> Column:
    """(Account, Contact, Opportunity) a converted Lead became; None for the others."""
    contact_accounts = b.index.column("Contact", "AccountId")
    contacts = [c for c, a in contact_accounts.items() if a]
    opportunities = b.index.groups("Opportunity", "AccountId")
    r, out = b.r, list[Any]()
    for converted in b.col("IsConverted"):
        if not converted or not contacts:
            out.append(None)
            continue
        contact = contacts[int(r() * len(contacts))]
        account = contact_accounts[contact]
        deals = opportunities.get(account, [])
        out.append((account, contact, deals[int(r() * len(deals))] if deals else None))
    return out


STAGES = {  # stage: (probability, forecast category, weight)
    "Prospecting": (10, "Pipeline", 8),
    "Qualification": (10, "Pipeline", 8),
    "Needs Analysis": (20, "Pipeline", 7),
    "Value Proposition": (50, "Pipeline", 6),
    "Id. Decision Makers": (60, "Pipeline", 5),
    "Perception Analysis": (70, "Pipeline", 4),
    "Proposal/Price Quote": (75, "Best Case", 5),
    "Negotiation/Review": (90, "Commit", 5),
    "Closed Won": (100, "Closed", 28),
    "Closed Lost": (0, "Omitted", 24),
}


DEAL_KINDS = (
    "New Business", "Renewal", "Upsell", "Expansion EMEA", "250 Licenses", "Pilot, Phase 1",
    'Rollout "Wave 2"', "Services", "Add-on: Analytics", "Erweiterung", "Renouvellement",
)  # fmt: skip


NEXT_STEPS = (
    "Send proposal", "Schedule demo", "Follow up with CFO", "Legal review, then signature",
    'Confirm "go" with sponsor', "Technical deep dive", "Angebot nachfassen",
)  # fmt: skip


def is_closed_stage(stage: str | None) -> bool:
    """True for the closed stages (won or lost)."""
    return bool(stage) and str(stage).startswith("Closed")


def is_won_stage(stage: str | None) -> bool:
    """True for the won stage."""
    return bool(stage) and str(stage).startswith("Closed") and "Won" in str(stage)


def opportunity_names(b: Batch, f: FieldDef) -> Column:
    """``<Account name> - <kind of deal>``."""
    names, r, k = b.index.column("Account", "Name"), b.r, len(DEAL_KINDS)
    fallback = company_names(b, f)
    return [
        f"{names.get(a) or other} - {DEAL_KINDS[int(r() * k)]}"
        for a, other in zip(b.col("AccountId"), fallback, strict=True)
    ]


def close_days(b: Batch, _f: FieldDef) -> Column:
    """Closed deals close within six months of creation; open ones up to a year ahead."""
    r = b.r
    return [
        min(c // DAY + 5 + int(r() * 175), LAST_DAY) if is_closed_stage(s)
        else c // DAY + 15 + int(r() * 350)
        for c, s in zip(b.col("_created"), b.col("StageName"), strict=True)
    ]  # fmt: skip


FORECAST_CATEGORIES = {"Closed Won": "Closed", "Closed Lost": "Omitted"} | {
    s: {"Commit": "Forecast", "Best Case": "BestCase"}.get(v[1], v[1])
    for s, v in STAGES.items()
    if not s.startswith("Closed")
}


def account_contacts(source: str) -> ColumnFn:
    """A Contact of the Account in column ``source`` (null when it has none)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        by_account, r = b.index.groups("Contact", "AccountId"), b.r
        out = []
        for account in b.col(source):
            colleagues = by_account.get(account, [])
            out.append(colleagues[int(r() * len(colleagues))] if colleagues else None)
        return out

    return gen


def quarter_of(day: int) -> int:
    """The calendar quarter (1-4) of a day counted from START."""
    return (int(date_text(day)[5:7]) - 1) // 3 + 1


def line_items(b: Batch, _f: FieldDef) -> Column:
    """An Opportunity and one entry of its price book, per row.

    Each value is (Opportunity, PricebookEntry, Product2, list price, product code, product
    name).
    """
    books = {o: p for o, p in b.index.column("Opportunity", "Pricebook2Id").items() if p}
    pick_deal = b.picker("Opportunity", list(books) or None)
    entries = b.index.rows(
        "PricebookEntry", ("Pricebook2Id", "Product2Id", "UnitPrice", "ProductCode", "Name")
    )
    by_book: dict[str, list[str]] = {}
    for entry_id, (book, *_rest) in entries.items():
        by_book.setdefault(book, []).append(entry_id)
    r, out = b.r, list[Any]()
    for i in range(b.n):
        deal = pick_deal(i) if pick_deal else None
        choices = by_book.get(books.get(deal or "") or "", [])
        entry: str | None = choices[int(r() * len(choices))] if choices else None
        details = entries[entry][1:] if entry else (None, None, None, None)
        out.append((deal, entry, *details))
    return out


def line_names(b: Batch, _f: FieldDef) -> Column:
    """``<Opportunity name> <Product name>``, as Salesforce names line items."""
    names = b.index.column("Opportunity", "Name")
    return [
        " ".join(x for x in (names.get(line[0] or ""), line[5]) if x) or None
        for line in b.col("_line")
    ]


def contact_roles(b: Batch, _f: FieldDef) -> Column:
    """(Opportunity, Contact): a Contact of the deal's Account where there is one."""
    deal_accounts = b.index.column("Opportunity", "AccountId")
    by_account = b.index.groups("Contact", "AccountId")
    pick_deal, pick_contact = b.picker("Opportunity"), b.picker("Contact")
    r, out = b.r, list[Any]()
    for i in range(b.n):
        deal = pick_deal(i) if pick_deal else None
        colleagues = by_account.get(deal_accounts.get(deal or ""))
        if colleagues:
            out.append((deal, colleagues[int(r() * len(colleagues))]))
        else:
            out.append((deal, pick_contact(i) if pick_contact else None))
    return out


def first_per_deal(b: Batch, _f: FieldDef) -> Column:
    """1 for the first role of each Opportunity in the batch."""
    seen: set[str] = set()
    out = []
    for deal, _contact in b.col("_role"):
        out.append(int(deal not in seen))
        seen.add(deal)
    return out


def case_accounts(b: Batch, _f: FieldDef) -> Column:
    """The Contact's Account; for Cases without a Contact, sometimes a random Account."""
    contact_accounts = b.index.column("Contact", "AccountId")
    pick, r = b.picker("Account"), b.r
    return [
        contact_accounts.get(c) if c else (pick(i) if pick and r() < 0.5 else None)
        for i, c in enumerate(b.col("ContactId"))
    ]


CASE_SUBJECTS = (
    "Generator will not start", "Error E-42 on control panel", "Invoice question, March",
    'Login fails with "invalid grant"', "Replacement part request", "Installation scheduling",
    "Performance degraded after update", "Passwort zurücksetzen", "Problème de facturation",
    "設置の問題について", "Data export missing rows", "Feature request: dark mode 🌙",
)  # fmt: skip


CAMPAIGN_THEMES = (
    "Spring Webinar", "Dreamforce Booth", "Customer Summit", "Frühjahrs-Roadshow München",
    "Salon Big Data Paris", "東京 Partner Summit", 'Trade Show "Cloud Expo", Booth 12',
    "Holiday Promo 🎄", "Q3 Nurture Email", "Partner Enablement", "Product Launch: CloudSync",
)  # fmt: skip


def campaign_names(b: Batch, _f: FieldDef) -> Column:
    """``<theme> <year>``, cycling through the themes."""
    k = len(CAMPAIGN_THEMES)
    return [f"{CAMPAIGN_THEMES[s % k]} {2024 + s // k % 3}" for s in b.col("_seq")]


def actual_costs(b: Batch, _f: FieldDef) -> Column:
    """60-120% of the budget, for campaigns that have started."""
    r, out = b.r, list[Any]()
    for budget, status in zip(b.col("BudgetedCost"), b.col("Status"), strict=True):
        started = budget is not None and status in ("In Progress", "Completed")
        out.append(round(budget * (0.6 + r() * 0.6), 2) if started else None)
    return out


def campaign_members(b: Batch, _f: FieldDef) -> Column:
    """(Campaign, Lead, Contact): 40% Leads, 60% Contacts, avoiding repeated pairs."""
    campaigns, leads, contacts = (b.picker(n) for n in ("Campaign", "Lead", "Contact"))
    seen: set[tuple[str, str]] = set()
    r, out = b.r, list[Any]()
    for i in range(b.n):
        member: tuple[str | None, str | None, str | None] = (None, None, None)
        for _attempt in range(5):
            campaign = campaigns(i) if campaigns else None
            use_lead = leads is not None and (r() < 0.4 or contacts is None)
            pick = leads if use_lead else contacts
            who = pick(i) if pick else None
            member = (campaign, who, None) if use_lead else (campaign, None, who)
            if campaign is None or who is None or (campaign, who) not in seen:
                break
        seen.add((member[0] or "", member[1] or member[2] or ""))
        out.append(member)
    return out


def activity_whos(b: Batch, _f: FieldDef) -> Column:
    """(Id, object) of the person an activity is about: a Contact, a Lead or nobody."""
    contacts, leads, r = b.picker("Contact"), b.picker("Lead"), b.r
    out: Column = []
    for i in range(b.n):
        x = r()
        if x < 0.6 and contacts:
            out.append((contacts(i), "Contact"))
        elif x < 0.85 and leads:
            out.append((leads(i), "Lead"))
        else:
            out.append(None)
    return out


def activity_whats(b: Batch, _f: FieldDef) -> Column:
    """(Id, object) an activity relates to, or None.

    None for activities about a Lead (as Salesforce requires); for a Contact, its Account or one
    of its deals or cases; for nobody, any Account, Opportunity, Case or Campaign.
    """
    contact_accounts = b.index.column("Contact", "AccountId")
    deals = b.index.groups("Opportunity", "AccountId")
    cases = b.index.groups("Case", "ContactId")
    targets = b.obj.field("WhatId")
    names = targets.reference_to if targets else ()
    groups = [(name, pick) for name in names if (pick := b.picker(name))]
    r, out = b.r, list[Any]()
    for i, who in enumerate(b.col("_who")):
        if who and who[1] == "Lead":
            out.append(None)
        elif who:
            account, x = contact_accounts.get(who[0]), r()
            options = deals.get(account, []) if x < 0.3 else cases.get(who[0], [])
            if x < 0.55 and options:
                out.append((options[int(r() * len(options))], "Opportunity" if x < 0.3 else "Case"))
            else:
                out.append((account, "Account") if account and x < 0.85 else None)
        elif groups:
            name, pick = groups[int(r() * len(groups))]
            out.append((pick(i), name))
        else:
            out.append(None)
    return out


def activity_accounts(b: Batch, _f: FieldDef) -> Column:
    """The Account of the activity's What (or of its Contact)."""
    accounts_of = {
        name: b.index.column(name, "AccountId") for name in ("Opportunity", "Case", "Contact")
    }
    out = []
    for what, who in zip(b.col("_what"), b.col("_who"), strict=True):
        account = None
        for ref in (what, who):
            if ref and ref[1] == "Account":
                account = ref[0]
            elif ref:
                account = accounts_of.get(ref[1], {}).get(ref[0])
            if account:
                break
        out.append(account)
    return out


def event_starts(b: Batch, _f: FieldDef) -> Column:
    """Start second: around creation, on quarter hours; all-day events at midnight."""
    r, out = b.r, list[Any]()
    for created, all_day in zip(b.col("_created"), b.col("IsAllDayEvent"), strict=True):
        second = max(0, min(SPAN, created + int((r() * 90 - 30) * DAY)))
        out.append(second - second % DAY if all_day else second - second % 900)
    return out


def event_minutes(b: Batch, _f: FieldDef) -> Column:
    """1440 for all-day events, else 15 to 240 minutes in quarter hours."""
    r = b.r
    return [1440 if a else 15 * (1 + int(r() * 16)) for a in b.col("IsAllDayEvent")]


def _customer_of_case(b: Batch) -> dict[str, tuple[str, str]]:
    contacts = b.index.rows("Contact", ("FirstName", "LastName", "Email"))
    people_ = {}
    for case, contact in b.index.column("Case", "ContactId").items():
        row = contacts.get(contact)
        if row and row[2]:
            people_[case] = (" ".join(x for x in row[:2] if x), row[2])
    return people_


def email_customers(b: Batch, f: FieldDef) -> Column:
    """(name, address) of the customer: the Case's Contact, else a random person."""
    known, randoms = _customer_of_case(b), plain_emails(b, f)
    names = full_names(b, f)
    return [
        known.get(case or "") or (name, address)
        for case, name, address in zip(b.col("ParentId"), names, randoms, strict=True)
    ]


SUPPORT = ("Support Team", "support@demo.example.com")


def email_parties(position: int) -> ColumnFn:
    """From (0) or To (1) side as (name, address): the customer writes incoming mail."""
    return derive(
        lambda incoming, customer: (
            (customer if incoming else SUPPORT)
            if position == 0
            else (SUPPORT if incoming else customer)
        ),
        "Incoming",
        "_customer",
    )


def email_bodies(b: Batch, f: FieldDef) -> Column:
    """A greeting, a few sentences and a signature, with CRLF line ends."""
    texts = paragraphs(5, 0.15)(b, f)
    return [
        f"Hello {to[0].split(' ')[0]},\r\n\r\n{text}\r\n\r\nBest regards,\r\n{sender[0]}"
        for to, sender, text in zip(b.col("_to"), b.col("_from"), texts, strict=True)
    ]


def email_html(text: str | None) -> str | None:
    """An HTML rendering of a plain text body."""
    if text is None:
        return None
    body = "<br>".join(html.escape(line) for line in text.split("\r\n"))
    return f"<html><body><p>{body}</p></body></html>"


def email_headers(message_id: str, sender: tuple[str, str], to: tuple[str, str]) -> str:
    """A few RFC 822 headers."""
    return (
        f'From: "{sender[0]}" <{sender[1]}>\r\nTo: {to[1]}\r\n'
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8"
    )


def email_subjects(b: Batch, f: FieldDef) -> Column:
    """``Re:`` / ``Fwd:`` + the Case subject, else a sentence."""
    subjects, fallback, r = b.index.column("Case", "Subject"), short_texts(b, f), b.r
    prefixes = ("Re: ", "RE: ", "Fwd: ", "", "AW: ")
    return [
        prefixes[int(r() * len(prefixes))] + (subjects.get(case or "") or other)
        for case, other in zip(b.col("ParentId"), fallback, strict=True)
    ]


def cc_lists(b: Batch, f: FieldDef) -> Column:
    """One or two addresses separated by ``; ``."""
    first, second, r = plain_emails(b, f), plain_emails(b, f), b.r
    return [a if r() < 0.6 else f"{a}; {c}" for a, c in zip(first, second, strict=True)]


ATTACHMENT_NAMES = (
    "Quote", "Angebot Müller", "見積書", "Contract (signed)", "notes, final", 'Spec "v2"',
    "Rapport d'activité", "export", "Screenshot 2025-03-01", "invoice_0042",
)  # fmt: skip


def _file_text(kind: str, sentences: list[str]) -> str:
    if kind == "csv":
        rows = "".join(
            f'{i},"{s.replace(chr(34), chr(34) * 2)}"\r\n' for i, s in enumerate(sentences)
        )
        return "id,comment\r\n" + rows
    if kind == "json":
        return json.dumps({"notes": sentences, "version": 2}, ensure_ascii=False)
    return "\n".join(sentences) + "\n"


FILE_KINDS = (("txt", "text/plain"), ("csv", "text/csv"), ("json", "application/json"))


def attachment_files(b: Batch, _f: FieldDef) -> Column:
    """(name, content type, bytes) of a small text, CSV or JSON file."""
    r, sentences, out = b.r, b.pools.sentences, list[Any]()
    for seq in b.col("_seq"):
        kind, content_type = FILE_KINDS[int(r() * len(FILE_KINDS))]
        lines = [sentences[int(r() * len(sentences))] for _ in range(1 + int(r() * 6))]
        if r() < 0.2:
            lines.append(EDGE_TEXTS[int(r() * len(EDGE_TEXTS))])
        name = f"{ATTACHMENT_NAMES[int(r() * len(ATTACHMENT_NAMES))]} {seq + 1}.{kind}"
        out.append((name, content_type, _file_text(kind, lines).encode("utf-8")))
    return out


PRODUCT_LINES = (
    ("GenWatt Diesel", "Hardware", "Each", ("10kW", "200kW", "1000kW")),
    ("GenWatt Propane", "Hardware", "Each", ("100kW", "500kW", "1500kW")),
    ("GenWatt Gasoline", "Hardware", "Each", ("300kW", "750kW", "2000kW")),
    ("Installation:", "Services", "Hour", ("Portable", "Industrial - High", "Industrial - Low")),
    ("SLA:", "Support", "License", ("Bronze", "Silver", "Gold", "Platinum")),
    ("CloudSync", "Software", "License", ("Starter", "Professional", "Enterprise", "Unlimited")),
    ("Analytics Studio", "Software", "License", ("Team", "Business", "Enterprise")),
    ("Größenmesser Sensor", "Hardware", "Each", ("S", "M", "L", "XL")),
    ("Field Service Visit", "Services", "Hour", ("Standard", "Weekend", "Emergency 24/7")),
    ("Training", "Services", "Hour", ("Admin, Basic", 'Developer "Deep Dive"', "On-site")),
    ("Data Connector", "Software", "License", ("Snowflake", "PostgreSQL", "S3", "東京リージョン")),
    ("Replacement Part", "Hardware", "Each", ("Filter", "Fan Belt", "Control Board", "Battery")),
    ("Premium Support", "Support", "License", ("Monthly", "Annual", "3-Year")),
    ("Consulting", "Services", "Hour", ("Architect", "Project Manager", "Data Engineer")),
    ("Café Kiosk Bundle", "Hardware", "Each", ("Standard", "Deluxe ☕")),
)


PRODUCTS = tuple(
    (f"{line} {variant}", family, unit)
    for line, family, unit, variants in PRODUCT_LINES
    for variant in variants
)


def products(b: Batch, _f: FieldDef) -> Column:
    """(name, family, unit) cycling through the product list, versioned after the first round."""
    k = len(PRODUCTS)
    return [
        (PRODUCTS[s % k][0] + (f" v{s // k + 1}" if s >= k else ""), *PRODUCTS[s % k][1:])
        for s in b.col("_seq")
    ]


PRICEBOOKS = ("Standard Price Book", "Partner Price Book", "EMEA Price Book (EUR)")


def list_price(seed: int, product: str) -> float:
    """The standard price of a product (stable per seed and product Id)."""
    rng = random.Random(f"{seed}:price:{product}")
    return float(rng.choice((49, 99, 250, 500, 1200, 5000, 15000, 75000)) * rng.randint(1, 4))


def book_factor(seed: int, book: str, standard: bool) -> float:
    """How a price book's prices relate to the standard prices."""
    return 1.0 if standard else round(random.Random(f"{seed}:book:{book}").uniform(0.75, 1.15), 2)


def price_entries(b: Batch, _f: FieldDef) -> Column:
    """(Pricebook2, Product2, is standard) pairs for price book entries.

    Every missing pair comes first (the standard book's first), then random pairs.
    """
    standard = b.index.column("Pricebook2", "IsStandard")
    books = sorted(b.index.ids("Pricebook2"), key=lambda x: not standard.get(x))
    goods = b.index.ids("Product2")
    have = set(b.index.rows("PricebookEntry", ("Pricebook2Id", "Product2Id"), live=False).values())
    missing = [(x, p) for x in books for p in goods if (x, p) not in have]
    r, out = b.r, list[Any]()
    for i in range(b.n):
        if i < len(missing):
            book, good = missing[i]
        elif books and goods:
            book, good = books[int(r() * len(books))], goods[int(r() * len(goods))]
        else:
            out.append(None)
            continue
        out.append((book, good, bool(standard.get(book))))
    return out


def entry_prices(b: Batch, _f: FieldDef) -> Column:
    """The standard price times the price book's factor (unless UseStandardPrice)."""
    out: Column = []
    for pair, same in zip(b.col("_pair"), b.col("UseStandardPrice"), strict=True):
        if pair is None:
            out.append(None)
            continue
        book, good, standard = pair
        factor = 1.0 if same else book_factor(b.seed, book, standard)
        out.append(round(list_price(b.seed, good) * factor, 2))
    return out


ROLES = (
    ("CEO", None), ("VP, Sales", 0), ("VP, Customer Support", 0), ("Sales Manager, Americas", 1),
    ("Sales Manager, EMEA & APAC", 1), ("Sales Representative", 3), ("Support Manager", 2),
    ("Support Agent", 6),
)  # fmt: skip


def role_names(b: Batch, _f: FieldDef) -> Column:
    """The role hierarchy, repeated with a number after the first round."""
    k = len(ROLES)
    return [ROLES[s % k][0] + (f" {s // k + 1}" if s >= k else "") for s in b.col("_seq")]


def parent_roles(b: Batch, _f: FieldDef) -> Column:
    """The parent in the hierarchy (the same round of roles)."""
    existing, k, out = b.index.ids("UserRole"), len(ROLES), list[Any]()
    for s in b.col("_seq"):
        parent = ROLES[s % k][1]
        ordinal = None if parent is None else s - s % k + parent
        if ordinal is None:
            out.append(None)
        elif ordinal >= b.start:
            out.append(b.ids[ordinal - b.start])
        else:
            out.append(existing[ordinal] if ordinal < len(existing) else None)
    return out


INTEGRATION_PERSON: Person = ("Integration", "User", "integration", "user", 0)


def user_people(b: Batch, f: FieldDef) -> Column:
    """People; the very first User is the integration user."""
    out = people(b, f)
    if b.start == 0 and out:
        out[0] = INTEGRATION_PERSON
    return out


def usernames(b: Batch, _f: FieldDef) -> Column:
    """``first.last@demo.example.com``, unique; the first User gets INTEGRATION_USERNAME."""
    seen = set(b.index.lowered("User", "Username"))
    counters: dict[str, int] = {}
    out = []
    for s, p in zip(b.col("_seq"), b.col("_person"), strict=True):
        name = INTEGRATION_USERNAME if s == 0 else f"{p[2] or 'user'}.{p[3]}@demo.example.com"
        out.append(make_unique(name, seen, counters))
    return out


def locale_attribute(attribute: str) -> ColumnFn:
    """A setting of the person's locale (time zone, language), fitted to the picklist."""
    return fitted(derive(lambda p: getattr(LOCALES[p[4]], attribute), "_person"))


def project_names(b: Batch, _f: FieldDef) -> Column:
    """``<Account> — <kind of project>``."""
    names, r = b.index.column("Account", "Name"), b.r
    kinds = ("Implementation", "Data Migration", "Rollout, Phase 2", "Einführung", "Audit")
    return [
        f"{names.get(a or '') or 'Internal'} — {kinds[int(r() * len(kinds))]}"
        for a in b.col("Account__c")
    ]


def account_deals(b: Batch, _f: FieldDef) -> Column:
    """One of the Account's Opportunities for 60% of rows."""
    deals, r = b.index.groups("Opportunity", "AccountId"), b.r
    out = []
    for account in b.col("Account__c"):
        options = deals.get(account, [])
        out.append(options[int(r() * len(options))] if options and r() < 0.6 else None)
    return out


def long_notes(b: Batch, f: FieldDef) -> Column:
    """Paragraphs; 2% of rows carry 20-60 KB of text (capped at the field length)."""
    r, sentences, k = b.r, b.pools.sentences, len(b.pools.sentences)
    out = []
    for short in paragraphs(6)(b, f):
        long = r() < 0.02
        count = 300 + int(r() * 700) if long else 0
        out.append("\n\n".join(sentences[int(r() * k)] for _ in range(count)) if long else short)
    return out


def group_names(b: Batch, f: FieldDef) -> Column:
    """``<city> <topic> Community``."""
    cities = choice(b.pools.cities[:300])(b, f)
    topics = choice(("Data", "Admins", "Developers", "Women in Tech", "Nutzer"))(b, f)
    return [f"{c} {t} Community" for c, t in zip(cities, topics, strict=True)]


def event_locations(b: Batch, f: FieldDef) -> Column:
    """Cities, video calls and meeting rooms."""
    return choice((*b.pools.cities[:200], "Zoom", "Teams", 'Room 4.12, Bldg "A"'))(b, f)


def related_records(b: Batch, f: FieldDef) -> Column:
    """The parent Case, else an Account or Opportunity."""
    others = ref_to("Account", "Opportunity")(b, f)
    return [p or o for p, o in zip(b.col("ParentId"), others, strict=True)]


MEMBER_SOURCES = {  # CampaignMember field: (Lead field, Contact field)
    "Salutation": ("Salutation", "Salutation"),
    "FirstName": ("FirstName", "FirstName"),
    "LastName": ("LastName", "LastName"),
    "Title": ("Title", "Title"),
    "Street": ("Street", "MailingStreet"),
    "City": ("City", "MailingCity"),
    "State": ("State", "MailingState"),
    "PostalCode": ("PostalCode", "MailingPostalCode"),
    "Country": ("Country", "MailingCountry"),
    "Email": ("Email", "Email"),
    "Phone": ("Phone", "Phone"),
    "Fax": ("Fax", "Fax"),
    "MobilePhone": ("MobilePhone", "MobilePhone"),
    "DoNotCall": ("DoNotCall", "DoNotCall"),
    "HasOptedOutOfEmail": ("HasOptedOutOfEmail", "HasOptedOutOfEmail"),
    "HasOptedOutOfFax": ("HasOptedOutOfFax", "HasOptedOutOfFax"),
    "LeadSource": ("LeadSource", "LeadSource"),
    "LeadOrContactOwnerId": ("OwnerId", "OwnerId"),
}
"""Where a CampaignMember's copy of its person's details comes from."""


def member_detail(name: str) -> ColumnFn:
    """A CampaignMember's copy of a field of its Lead (or else its Contact)."""
    lead_field, contact_field = MEMBER_SOURCES[name]

    def gen(b: Batch, _f: FieldDef) -> Column:
        leads = b.index.column("Lead", lead_field)
        contacts = b.index.column("Contact", contact_field)
        return [
            leads.get(lead) if lead else contacts.get(contact) if contact else None
            for _campaign, lead, contact in b.col("_member")
        ]

    return gen


def member_companies(b: Batch, _f: FieldDef) -> Column:
    """The Lead's company, or the name of the Contact's Account."""
    companies = b.index.column("Lead", "Company")
    contact_accounts = b.index.column("Contact", "AccountId")
    account_names = b.index.column("Account", "Name")
    return [
        companies.get(lead)
        if lead
        else account_names.get(contact_accounts.get(contact) or "")
        if contact
        else None
        for _campaign, lead, contact in b.col("_member")
    ]
