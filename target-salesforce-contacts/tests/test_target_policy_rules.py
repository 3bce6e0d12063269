"""The pure rules behind policies, Account domains and the delete cap (no HTTP)."""

from __future__ import annotations

import pytest
from target_salesforce_contacts.accounts import email_domain, website_domain
from target_salesforce_contacts.deletes import DeleteCapError, check_delete_cap
from target_salesforce_contacts.describe import ContactField, ContactSchema
from target_salesforce_contacts.planning import changes_for
from target_salesforce_contacts.settings import FieldPolicy

SCHEMA = ContactSchema([ContactField("Title", "string"), ContactField("LeadSource", "picklist")])


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("acme.com", "acme.com"),
        ("WWW.ACME.COM:8080", "acme.com"),
        ("http://eu.acme.com?x=1", "eu.acme.com"),
        ("  acme.co.uk/ ", "acme.co.uk"),
        ("localhost", None),
        ("", None),
        (None, None),
    ],
)
def test_website_domain(website, domain):
    assert website_domain(website) == domain


def test_email_domain():
    assert email_domain("Ann@Sub.Acme.COM") == "sub.acme.com"
    assert email_domain("no-at-sign") is None


@pytest.mark.parametrize(
    ("policy", "current", "changed"),
    [
        (FieldPolicy.OVERWRITE, "Boss", True),
        (FieldPolicy.OVERWRITE, "New", False),
        (FieldPolicy.FILL_IF_EMPTY, "Boss", False),
        (FieldPolicy.FILL_IF_EMPTY, None, True),
        (FieldPolicy.FILL_IF_EMPTY, "  ", True),
        (FieldPolicy.ON_CREATE, None, False),
        (FieldPolicy.ON_CREATE, "Boss", False),
    ],
)
def test_changes_for_applies_the_field_policy(policy, current, changed):
    changes = changes_for(SCHEMA, {"Title": "New"}, {"Title": current}, {"Title": policy})
    assert ("Title" in changes) is changed


def test_delete_cap_is_a_share_of_the_matched_contacts():
    check_delete_cap(deleting=1, deleted=0, matched=10, percent=10, where="s")
    with pytest.raises(DeleteCapError, match="would delete 2 of 10"):
        check_delete_cap(deleting=1, deleted=1, matched=10, percent=10, where="s")
    check_delete_cap(deleting=0, deleted=50, matched=1, percent=0, where="s")
