"""The shared helpers both plugins use: redaction, packing, polling, settings checks."""

from __future__ import annotations

import logging
from urllib.parse import quote_plus

import pytest
from salesforce_common import CONNECTION_SETTINGS, ConfigError, Secrets, redact, validate_settings
from salesforce_common.packing import OversizeItemError, pack
from salesforce_common.polling import PollSchedule, poll_until
from salesforce_common.redaction import LOG_FILTER, install_log_redaction


def test_redact_covers_raw_url_encoded_and_json_escaped_forms() -> None:
    secret = 'p@ss w0rd+"x'
    text = (
        f"raw {secret} | form {quote_plus(secret)} | json "
        + '"p@ss w0rd+\\"x"'
        + " | path p%40ss%20w0rd%2B%22x"
    )
    clean = redact(text, [secret])
    assert "p@ss" not in clean
    assert "p%40ss" not in clean
    assert clean.count("***") == 4


def test_short_values_are_not_redacted() -> None:
    assert redact("abc and abcd", ["abc", "", "abcd"]) == "abc and ***"


def test_secrets_from_config_include_the_uri_parameters() -> None:
    config = {
        "uri": "salesforce://?username=u@x.io&password=pa%26ss1&token=TOK999&domain=login",
        "client_secret": "s3cr3t!",
        "username": "u@x.io",
    }
    secrets = Secrets.from_config(config, ["uri", "client_secret"])
    text = "password=pa%26ss1 pa&ss1 TOK999 s3cr3t%21 user u@x.io"
    assert secrets.redact(text) == "password=*** *** *** *** user u@x.io"


def test_runtime_tokens_are_added_later() -> None:
    secrets = Secrets(["first-secret"])
    secrets.add("00Dxx!AQ4AQruntime.token", None, "ab")
    assert secrets.redact("Bearer 00Dxx!AQ4AQruntime.token") == "Bearer ***"


def test_log_filter_scrubs_messages_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("salesforce_common.test_redaction")
    secrets = Secrets(["hunter22-secret"])
    install_log_redaction(secrets, [logger])
    install_log_redaction(secrets, [logger])
    assert logger.filters.count(LOG_FILTER) == 1
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("token %s and %s", "hunter22-secret", quote_plus("hunter22-secret"))
    assert "hunter22" not in caplog.text
    assert "token *** and ***" in caplog.text


def test_pack_keeps_order_and_fits_every_dimension() -> None:
    items = ["aaaa", "bb", "cccccc", "d", "ee"]
    groups = list(pack(items, cost=lambda s: (len(s), 1), budget=(8, 2), separator=(1, 0)))
    assert [x for g in groups for x in g] == items
    assert groups == [["aaaa", "bb"], ["cccccc", "d"], ["ee"]]
    for group in groups:
        assert sum(map(len, group)) + len(group) - 1 <= 8
        assert len(group) <= 2


def test_pack_refuses_an_item_that_never_fits() -> None:
    with pytest.raises(OversizeItemError) as caught:
        list(pack(["ok", "far too long"], cost=lambda s: (len(s),), budget=(5,)))
    assert caught.value.item == "far too long"


def test_poll_waits_first_then_grows_to_the_cap() -> None:
    sleeps: list[float] = []
    statuses = iter(["a", "b", "c", "d", "e", "done"])
    schedule = PollSchedule(initial=1.0, factor=2.0, maximum=5.0, sleep=sleeps.append)
    assert poll_until(lambda: next(statuses), lambda s: s == "done", schedule) == "done"
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_poll_gives_up_after_max_wait() -> None:
    schedule = PollSchedule(initial=0.0, factor=1.0, maximum=0.0, max_wait=0.05)
    assert poll_until(lambda: "running", lambda s: s == "done", schedule) == "running"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"request_timeout": 0}, "request_timeout must be > 0, got 0"),
        ({"max_retries": -2}, "max_retries must be >= 0, got -2"),
        ({"max_retries": "x"}, "max_retries must be of type integer, got 'x'"),
    ],
)
def test_validate_settings_names_the_setting(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_settings(CONNECTION_SETTINGS, config)
    assert str(caught.value) == message


def test_validate_settings_never_quotes_a_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_settings(CONNECTION_SETTINGS, {"password": 12345678})
    assert "12345678" not in str(caught.value)
    assert "password" in str(caught.value)
