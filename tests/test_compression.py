"""The web client goes out compressed: Brotli or gzip as the browser accepts, said in
the headers, the same bytes back when unpacked, and kept for the next run."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import brotli

from main import Compressed, chosen_encoding
from tests.flet_fake import run

BODY = b"main.dart.wasm stands in here " * 400


def served(app: Any, request: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """Asks ``app`` for a GET with these request headers: status, headers, body."""
    scope = {"type": "http", "method": "GET", "path": "/main.dart.wasm",
             "headers": [(k.encode(), v.encode()) for k, v in request.items()]}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(app(scope, receive, send))  # beside a running Playwright loop too
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


def static_file(kind: str = "application/wasm", body: bytes = BODY) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()),
            (b"etag", b'"abc"')]})
        await send({"type": "http.response.body", "body": body[:100], "more_body": True})
        await send({"type": "http.response.body", "body": body[100:]})
    return app


def test_a_browser_that_accepts_brotli_gets_brotli_with_headers_that_say_so() -> None:
    status, headers, body = served(Compressed(static_file()),
                                   {"accept-encoding": "gzip, deflate, br, zstd"})
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert headers["vary"] == "Accept-Encoding"
    assert headers["etag"] == 'W/"abc"'  # Starlette's not-modified check strips W/
    assert int(headers["content-length"]) == len(body) < len(BODY) / 10
    assert brotli.decompress(body) == BODY


def test_a_browser_that_accepts_only_gzip_gets_gzip() -> None:
    _, headers, body = served(Compressed(static_file()), {"accept-encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == BODY


def test_without_accept_encoding_or_for_a_range_the_file_goes_out_as_it_is() -> None:
    for request in ({}, {"accept-encoding": "identity"}, {"accept-encoding": "gzip;q=0"},
                    {"accept-encoding": "br, gzip", "range": "bytes=0-99"}):
        _, headers, body = served(Compressed(static_file()), request)
        assert "content-encoding" not in headers, request
        assert body == BODY, request


def test_pictures_and_tiny_bodies_are_not_compressed_again() -> None:
    for app in (static_file("image/png"), static_file(body=b"x" * 100)):
        _, headers, _ = served(Compressed(app), {"accept-encoding": "br"})
        assert "content-encoding" not in headers


def test_a_restarted_app_takes_the_compressed_copy_it_kept(tmp_path: Path) -> None:
    _, _, first = served(Compressed(static_file(), tmp_path), {"accept-encoding": "br"})
    kept = list(tmp_path.iterdir())
    assert [p.suffix for p in kept] == [".br"]
    kept[0].write_bytes(b"what the last run kept")
    _, _, again = served(Compressed(static_file(), tmp_path), {"accept-encoding": "br"})
    assert again == b"what the last run kept" != first


def test_the_accepted_encoding_is_read_as_browsers_write_it() -> None:
    assert chosen_encoding(b"gzip, deflate, br, zstd") == "br"
    assert chosen_encoding(b"gzip;q=1.0, br;q=0") == "gzip"
    assert chosen_encoding(b"*") == "gzip"
    assert chosen_encoding(b"deflate") is None
    assert chosen_encoding(b"") is None
