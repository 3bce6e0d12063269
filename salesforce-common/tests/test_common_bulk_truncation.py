"""Bulk result pages (and REST bodies) cut short: never a partial value, read again, then fail.

A scripted HTTP server sends exact bytes: bodies cut inside a value, inside a quoted value, at
a row end, without their gzip trailer, shorter than their ``Content-Length``. Each case is
served cut first and whole next; the client must yield exactly the whole page's rows.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3
from salesforce_common import SalesforceError, SalesforceSession
from salesforce_common.bodies import TruncatedBodyError, complete_body
from salesforce_common.bulk import BulkQueryClient, BulkShortReadError
from salesforce_common.bulk.query import PAGE_READ_ATTEMPTS

JOB = "750000000000001AAA"
PAGE_1 = b'Id,Name,Region\n001A,Acme,EMEA\n001B,"Quote ""q"", comma, and\nnewline",APAC\n'
PAGE_2 = b"Id,Name,Region\n001C,Zed,AMER\n"
ROWS_1 = [["001A", "Acme", "EMEA"], ["001B", 'Quote "q", comma, and\nnewline', "APAC"]]
ROWS_2 = [["001C", "Zed", "AMER"]]


@dataclass
class Reply:
    """One scripted response: the body as sent, and how it is framed."""

    body: bytes
    gzip: bool = False
    cut: int | None = None
    """Send only this many bytes of the (compressed) body, then close the connection."""
    content_length: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    def raw(self) -> tuple[dict[str, str], bytes]:
        data = gzip.compress(self.body) if self.gzip else self.body
        headers = dict(self.headers)
        if self.gzip:
            headers["Content-Encoding"] = "gzip"
        if self.content_length:
            headers["Content-Length"] = str(len(data))
        return headers, data if self.cut is None else data[: self.cut]


@dataclass
class Script:
    """Replies per locator (``""`` for the first page), served in turn; the last repeats."""

    pages: dict[str, list[Reply]]
    served: list[str] = field(default_factory=list)
    accept_encoding: list[str] = field(default_factory=list)

    def next_reply(self, locator: str) -> Reply:
        self.served.append(locator)
        replies = self.pages[locator]
        return replies.pop(0) if len(replies) > 1 else replies[0]


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            script.accept_encoding.append(self.headers.get("Accept-Encoding", ""))
            reply = script.next_reply(query.get("locator", [""])[0])
            headers, data = reply.raw()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Connection", "close")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(script: Script) -> BulkQueryClient:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        session = SalesforceSession({"domain": url, "access_token": "00Dtest!token"})
        return BulkQueryClient(session)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def page(body: bytes, locator: str | None, rows: int, **framing: Any) -> Reply:
    headers = {"Sforce-Locator": locator or "null", "Sforce-NumberOfRecords": str(rows)}
    return Reply(body, headers=headers, **framing)


def read(client: BulkQueryClient) -> list[list[str]]:
    rows: list[list[str]] = []
    for result in client.result_pages(JOB, expected_total=3):
        assert result.header == ["Id", "Name", "Region"]
        rows.extend(result.rows())
    return rows


def cut_at(body: bytes, marker: bytes) -> int:
    """Bytes to send so the cut falls just inside ``marker`` (``APAC`` -> ``APA``)."""
    return body.index(marker) + len(marker) - 1


CUTS = {
    "mid_value_no_length": {"cut": cut_at(PAGE_1, b"APAC"), "content_length": False},
    "mid_value_with_length": {"cut": cut_at(PAGE_1, b"APAC"), "content_length": True},
    "mid_quoted_value_no_length": {"cut": cut_at(PAGE_1, b"comma"), "content_length": False},
    "mid_row_no_length": {"cut": cut_at(PAGE_1, b"001B,"), "content_length": False},
    "at_row_end_no_length": {"cut": PAGE_1.index(b"001B"), "content_length": False},
    "before_header_end_no_length": {"cut": 5, "content_length": False},
    "gzip_without_trailer": {"gzip": True, "cut": -8, "content_length": False},
    "gzip_mid_stream_no_length": {"gzip": True, "cut": 30, "content_length": False},
    "gzip_mid_stream_with_length": {"gzip": True, "cut": 30, "content_length": True},
}


@pytest.mark.parametrize("framing", CUTS.values(), ids=CUTS.keys())
def test_a_cut_page_is_read_again_and_no_partial_value_is_yielded(
    serve: Any, framing: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    gzipped = framing.get("gzip", False)
    if framing["cut"] < 0:
        framing = {**framing, "cut": len(gzip.compress(PAGE_1)) + framing["cut"]}
    script = Script(
        {
            "": [page(PAGE_1, "L2", 2, **framing), page(PAGE_1, "L2", 2, gzip=gzipped)],
            "L2": [page(PAGE_2, None, 1, gzip=gzipped)],
        }
    )
    client = serve(script)
    with caplog.at_level(logging.WARNING):
        rows = read(client)
    assert rows == ROWS_1 + ROWS_2
    assert script.served == ["", "", "L2"]
    assert set(script.accept_encoding) == {"gzip"}
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"Bulk API job {JOB}: result page (first page) incomplete" in warning
    assert "reading it again (attempt 2 of 5)" in warning


def test_a_page_cut_after_some_rows_skips_them_on_the_new_read(serve: Any) -> None:
    cut = cut_at(PAGE_1, b"APAC")
    script = Script(
        {"": [page(PAGE_1, None, 2, cut=cut, content_length=False), page(PAGE_1, None, 2)]}
    )
    result = next(serve(script).result_pages(JOB, expected_total=2))
    assert list(result.rows()) == ROWS_1
    assert result.rows_read == 2
    assert script.served == ["", ""]


def test_a_page_that_stays_cut_fails_in_one_line_naming_job_and_locator(serve: Any) -> None:
    cut = cut_at(PAGE_2, b"AMER")
    script = Script(
        {
            "": [page(PAGE_1, "L2", 2)],
            "L2": [page(PAGE_2, None, 1, cut=cut, content_length=False)],
        }
    )
    client = serve(script)
    yielded: list[list[str]] = []

    def read_into_yielded() -> None:
        for result in client.result_pages(JOB, expected_total=3):
            yielded.extend(result.rows())

    with pytest.raises(SalesforceError) as caught:
        read_into_yielded()
    message = str(caught.value)
    assert "\n" not in message
    assert f"Bulk API job {JOB}: result page (locator L2) was incomplete 5 times" in message
    assert "no final line ending" in message
    assert yielded == ROWS_1  # nothing of the cut page
    assert script.served.count("L2") == PAGE_READ_ATTEMPTS


def test_a_page_that_keeps_holding_fewer_rows_is_a_short_read(serve: Any) -> None:
    script = Script({"": [page(PAGE_1, None, 3)]})
    client = serve(script)
    with pytest.raises(BulkShortReadError, match="announced 3 rows"):
        read(client)


def test_a_page_with_more_rows_than_announced_is_an_error(serve: Any) -> None:
    script = Script({"": [page(PAGE_1, None, 1)]})
    with pytest.raises(BulkShortReadError, match="held more"):
        read(serve(script))


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_complete_body_checks_the_end_of_a_body(serve: Any, gzipped: bool) -> None:
    body = b'{"done": true, "records": []}'
    whole = len(gzip.compress(body)) if gzipped else len(body)
    script = Script(
        {
            "": [
                Reply(body, gzip=gzipped),
                Reply(body, gzip=gzipped, cut=whole - 3, content_length=True),
                Reply(body, gzip=True, cut=whole - 3 if gzipped else 20, content_length=False),
            ]
        }
    )
    client = serve(script)

    def get() -> Any:
        return client.session.request("GET", "jobs/query/x/results", stream=True)

    assert complete_body(get()) == body
    with pytest.raises((TruncatedBodyError, urllib3.exceptions.HTTPError)):
        complete_body(get())
    with pytest.raises(TruncatedBodyError, match="gzip"):
        complete_body(get())
