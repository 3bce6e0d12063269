"""Limits and lifecycles the plugins' authors found the emulator too lax about."""

from __future__ import annotations

from emulator_http import error_of


def test_where_string_literal_over_4000_characters_is_refused(sf):
    ok = sf.query(f"SELECT Id FROM Contact WHERE LastName = '{'a' * 4000}'")
    assert ok.status_code == 200
    refused = sf.query(f"SELECT Id FROM Contact WHERE LastName = '{'a' * 4001}'")
    assert error_of(refused, 400)["errorCode"] == "MALFORMED_QUERY"


def test_address_components_have_salesforce_lengths(sf):
    fields = {f["name"]: f for f in sf.get("sobjects/Contact/describe").json()["fields"]}
    lengths = {
        name: fields[f"Mailing{name}"]["length"]
        for name in ("Street", "City", "State", "PostalCode", "Country")
    }
    assert lengths == {"Street": 255, "City": 40, "State": 80, "PostalCode": 20, "Country": 80}
    too_long = sf.post("sobjects/Contact", json={"LastName": "Long", "MailingCity": "x" * 41})
    assert error_of(too_long, 400)["errorCode"] == "STRING_TOO_LONG"
    assert (
        sf.post("sobjects/Contact", json={"LastName": "Fits", "MailingCity": "x" * 40}).status_code
        == 201
    )


def test_master_record_id_is_read_only(sf):
    field = next(
        f
        for f in sf.get("sobjects/Contact/describe").json()["fields"]
        if f["name"] == "MasterRecordId"
    )
    assert (field["createable"], field["updateable"]) == (False, False)
    other = sf.query("SELECT Id FROM Contact LIMIT 1").json()["records"][0]["Id"]
    refused = sf.post("sobjects/Contact", json={"LastName": "Merged", "MasterRecordId": other})
    assert error_of(refused, 400)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_ingest_job_reports_its_outcome_only_to_later_polls(sf):
    job = sf.post(
        "jobs/ingest",
        json={"object": "Contact", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"},
    ).json()
    upload = sf.put(
        f"jobs/ingest/{job['id']}/batches",
        data="LastName,Email\nPoll,poll@example.com\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    closed = sf.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    early = sf.get(f"jobs/ingest/{job['id']}/successfulResults/")
    assert error_of(early, 400)["errorCode"] == "INVALIDJOBSTATE"
    states = [sf.get(f"jobs/ingest/{job['id']}").json() for _ in range(3)]
    assert [s["state"] for s in states] == ["InProgress", "JobComplete", "JobComplete"]
    assert states[0]["numberRecordsProcessed"] == 0
    assert states[1]["numberRecordsProcessed"] == 1
    assert "poll@example.com" in sf.get(f"jobs/ingest/{job['id']}/successfulResults/").text


def test_describe_lists_layout_urls_and_the_master_record_type(sf):
    describe = sf.get("sobjects/Account/describe").json()
    assert set(describe["urls"]) == {
        "rowTemplate", "defaultValues", "describe", "sobject", "compactLayouts",
        "approvalLayouts", "uiDetailTemplate", "uiEditTemplate", "listviews", "quickActions",
        "layouts", "uiNewRecord",
    }  # fmt: skip
    assert describe["urls"]["uiNewRecord"] == "/001/e"
    [master] = describe["recordTypeInfos"]
    assert master["master"] is True
    assert master["recordTypeId"] == "012000000000000AAA"
    assert master["urls"]["layout"].endswith(
        "/sobjects/Account/describe/layouts/012000000000000AAA"
    )
    # The global describe keeps its four urls, as an org's does.
    entry = next(e for e in sf.get("sobjects").json()["sobjects"] if e["name"] == "Account")
    assert set(entry["urls"]) == {"rowTemplate", "defaultValues", "describe", "sobject"}
