"""SMB login, push and pull work with OpenSSL's legacy provider off, as on a phone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync.ntlm import PlainRC4
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("key", "offset", "stream"),
    [  # RFC 6229, key stream at offsets 0 and 16 for 40- and 128-bit keys
        ("0102030405", 0, "b2396305f03dc027ccc3524a0a1118a8"),
        ("0102030405", 16, "6982944f18fc82d589c403a47a0d0919"),
        ("0102030405060708090a0b0c0d0e0f10", 0, "9ac7cc9a609d1ef7b2932899cde41b97"),
    ],
)
def test_plain_rc4_gives_the_rfc_6229_key_stream(key: str, offset: int, stream: str) -> None:
    rc4 = PlainRC4(bytes.fromhex(key))
    rc4.update(bytes(offset))
    assert rc4.update(bytes(16)).hex() == stream


def test_plain_rc4_reset_starts_the_key_stream_again() -> None:
    rc4 = PlainRC4(b"session key 16 b")
    first = rc4.update(b"secret")
    rc4.reset()
    assert rc4.update(b"secret") == first
    assert PlainRC4(b"session key 16 b").update(first) == b"secret"


def test_ntlm_push_and_pull_over_samba_with_the_legacy_provider_off(
    samba: SambaServer, tmp_path: Path
) -> None:
    (samba.share_dir / "no-legacy").mkdir(exist_ok=True)
    env = dict(os.environ, CRYPTOGRAPHY_OPENSSL_NO_LEGACY="1")
    done = subprocess.run(
        [sys.executable, "-m", "tests.smb_child", str(tmp_path), samba.location("no-legacy"),
         samba.username, samba.password],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pushed, pulled = (int(word) for word in done.stdout.split()[1::2])
    assert pushed >= 2 and pulled >= 2
