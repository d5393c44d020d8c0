"""Samtale: development conversations that work offline.

    python3 main.py [--data DIR] [--host 127.0.0.1] [--port 8550] [--lang da|en] [--open]
    python3 main.py test [pytest arguments]
    python3 main.py sync [--data DIR] [--profile ID] [--maintain]
    python3 main.py bench storage|startup|sync|pdf|overview|housekeeping [--quick]

Each form first makes sure ``.venv`` exists with what it needs (pip, the ``web`` extra
for serving to a browser, and for tests Debian's chromium, poppler-utils, samba and
rsync), then runs inside it. The first form serves the app in the browser, offline (no
CDN), on loopback, and prints the address once it answers. Data lives in the platform's
user data folder unless ``--data`` names another.

Hosted by Flet — a packaged app (``flet build apk|ipa|windows|macos`` sets
``FLET_PLATFORM``) or ``flet run`` (sets ``FLET_DISPLAY_URL_PREFIX``) — none of that
happens: no venv, pip, apt or arguments; Flet's own ``ft.run`` picks the transport, data
lives under ``FLET_APP_STORAGE_DATA`` and temporary files under ``FLET_APP_STORAGE_TEMP``,
and nothing is written inside the app bundle.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

START = time.perf_counter()
DEFAULT_PORT = 8550
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TEST_SYSTEM_PACKAGES = {
    "chromium": "chromium",
    "pdftoppm": "poppler-utils",
    "smbd": "samba",
    "rsync": "rsync",
}
SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_environment(purpose: str, argv: list[str]) -> None:
    """Creates .venv and installs what ``purpose`` needs, then re-runs inside it."""
    venv_python = VENV / "bin" / "python"
    extras = ".[web,test]" if purpose == "test" else ".[web]"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{purpose}-{digest}"
    if purpose == "app" and (VENV / f".installed-test-{digest}").exists():
        stamp = VENV / f".installed-test-{digest}"
    if not venv_python.exists():
        print("Creating .venv …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists():
        print(f"Installing Python packages for {purpose} …", flush=True)
        pip = [str(venv_python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", extras], check=True, cwd=ROOT)
        stamp.touch()
    if purpose == "test":
        install_system_packages(TEST_SYSTEM_PACKAGES)
    if not in_venv():
        os.execv(str(venv_python), [str(venv_python), str(ROOT / "main.py"), *argv])


def install_system_packages(wanted: dict[str, str]) -> None:
    missing = sorted(
        {pkg for command, pkg in wanted.items() if shutil.which(command, path=SBIN) is None}
    )
    if not missing:
        return
    print(f"Installing system packages: {' '.join(missing)} …", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def run_tests(argv: list[str]) -> int:
    """ruff, mypy, then every test. Under CI=true a missing browser fails the run."""
    python = sys.executable
    for step in ([python, "-m", "ruff", "check", "."], [python, "-m", "mypy"]):
        print("$", " ".join(step[2:]), flush=True)
        if subprocess.run(step, cwd=ROOT, check=False).returncode != 0:
            return 1
    return subprocess.run([python, "-m", "pytest", "-q", *argv], cwd=ROOT, check=False).returncode


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("Samtale", appauthor=False))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="samtale", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data folder (default: the user data folder)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAMTALE_PORT",
                                                                        DEFAULT_PORT)))
    parser.add_argument("--lang", default="da", choices=["da", "en"])
    parser.add_argument("--open", action="store_true", help="open the address in a browser")
    parser.add_argument("--idle-minutes", type=float, default=5.0,
                        help="lock the vault after this many idle minutes")
    parser.add_argument("--today", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="act as if today were this date, to try follow-ups and "
                             "reminders (default: the real date)")
    return parser.parse_args(argv)


def _day(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from err


def announce_when_serving(host: str, port: int, *, open_browser: bool) -> None:
    """Prints the address once the server answers, with the time it took to get there."""

    def wait() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            return
        took = time.perf_counter() - START
        url = f"http://{host}:{port}/"
        print(f"Samtale is ready at {url} (started in {took:.2f} s)", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    threading.Thread(target=wait, daemon=True).start()


def serve(args: argparse.Namespace) -> int:
    import flet as ft

    from resources.library import load_library
    from storage import Device
    from views.app import make_main

    library = load_library()
    for problem in library.problems:
        print(f"Question sheet skipped: {problem}", file=sys.stderr)
    data_dir = (args.data or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    from services.clock import Clock

    clock = Clock(args.today)
    device = Device(data_dir, clock=clock.time)
    print(f"Data folder: {data_dir}", flush=True)
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    os.environ.setdefault("FLET_WEB_NO_CDN", "1")
    app = ft.run(
        make_main(device, library, lang=args.lang, idle_seconds=args.idle_minutes * 60,
                  clock=clock),
        view=ft.AppView.WEB_BROWSER,
        assets_dir=str(ROOT / "assets"),
        no_cdn=True,
        name="",
        export_asgi_app=True,
    )
    import uvicorn

    announce_when_serving(args.host, args.port, open_browser=args.open)
    # Kept in .venv, named by their content's hash: a new flet-web adds its own files,
    # and a new .venv starts empty.
    compressed = Compressed(app, Path(sys.prefix) / "compressed-web-client")
    guarded = OriginGuard(compressed, own_origins(args.host, args.port))
    # Open tabs keep their connection; stopping waits a moment for them, then goes
    # (their drafts are saved when they disconnect).
    uvicorn.run(guarded, host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    return 0


def own_origins(host: str, port: int) -> frozenset[str]:
    names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    return frozenset(f"http://{name}:{port}" for name in names)


class OriginGuard:
    """Lets the app's live connection in only from pages the app itself served.

    Flet's web socket accepts any origin, so any web page open in the same browser could
    otherwise drive the app on 127.0.0.1: try PINs until the profile locks, or create
    profiles. Browsers always send Origin on a web socket; a handshake from another
    origin is refused (HTTP 403), everything else passes through untouched."""

    def __init__(self, app: Any, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            origin = dict(scope.get("headers") or []).get(b"origin")
            if origin is not None and origin.decode("latin-1") not in self.allowed:
                await receive()  # the handshake request
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/wasm",
                "application/manifest+json", "image/svg+xml", "font/", "application/font",
                "application/x-font")
MIN_COMPRESSED = 1024
BROTLI_QUALITY = 5  # 8.5 MB of WebAssembly in ~1.5 s here; 11 would take ~40 s
GZIP_LEVEL = 6


class Compressed:
    """Sends the web client compressed to browsers that accept it: Brotli, else gzip.

    Flutter's client is ~14 MB as files (the engine and the app in WebAssembly, fonts)
    and under 5 MB compressed. Each distinct response body is compressed once per
    encoding, in a worker thread, and kept (the client's files never change while the
    app runs), so only the first browser to ask waits for it. The compressed copy
    carries ``Content-Encoding``, ``Vary: Accept-Encoding`` and a weak ETag, which
    Starlette's not-modified check still matches. Range requests, HEAD, web sockets and
    bodies already encoded pass through untouched. With ``folder`` the compressed copies
    are also kept on disk, so a restarted app does not compress them again."""

    def __init__(self, app: Any, folder: Path | None = None, kept: int = 64) -> None:
        self.app = app
        self.folder = folder
        self.kept = kept
        self.cache: dict[tuple[str, bytes], bytes] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        coding = chosen_encoding(headers.get(b"accept-encoding", b""))
        if (scope["type"] != "http" or scope.get("method") != "GET" or b"range" in headers
                or coding is None):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, keep)
        if not start:
            return
        whole = b"".join(body)
        answer = list(start.get("headers", []))
        kind = dict(answer).get(b"content-type", b"").decode("latin-1")
        if (start["status"] != 200 or len(whole) < MIN_COMPRESSED
                or any(k.lower() == b"content-encoding" for k, _ in answer)
                or not kind.startswith(COMPRESSIBLE)):
            await send(start)
            await send({"type": "http.response.body", "body": whole})
            return
        packed = await self.packed(whole, coding)
        changed = [(k, v) for k, v in answer
                   if k.lower() not in (b"content-length", b"etag", b"vary")]
        etag = next((v for k, v in answer if k.lower() == b"etag"), None)
        if etag is not None:
            changed.append((b"etag", etag if etag.startswith(b"W/") else b"W/" + etag))
        changed += [(b"content-encoding", coding.encode()), (b"vary", b"Accept-Encoding"),
                    (b"content-length", str(len(packed)).encode())]
        await send({**start, "headers": changed})
        await send({"type": "http.response.body", "body": packed})

    async def packed(self, whole: bytes, coding: str) -> bytes:
        import asyncio

        key = (coding, hashlib.sha256(whole).digest())
        found = self.cache.get(key)
        if found is None:
            found = await asyncio.to_thread(self.kept_on_disk, whole, *key)
            if len(self.cache) >= self.kept:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = found
        return found

    def kept_on_disk(self, whole: bytes, coding: str, digest: bytes) -> bytes:
        """The compressed copy from an earlier run, or made now and kept for the next
        (named by the body's hash, so a changed file never meets an old copy)."""
        path = self.folder / f"{digest.hex()}.{coding}" if self.folder else None
        if path is not None and path.exists():
            return path.read_bytes()
        packed = compress(whole, coding)
        if path is not None:
            with contextlib.suppress(OSError):  # a read-only install just compresses again
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_bytes(packed)
                os.replace(temporary, path)
        return packed


def compress(data: bytes, coding: str) -> bytes:
    if coding == "br":
        import brotli

        return bytes(brotli.compress(data, quality=BROTLI_QUALITY))
    import gzip

    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def chosen_encoding(header: bytes) -> str | None:
    """"br" or "gzip" when Accept-Encoding allows it (Brotli first), else None."""
    allowed: set[str] = set()
    for part in header.decode("latin-1").lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.replace(" ", "").removeprefix("q=")
        if params and q.replace(".", "").strip("0") == "":
            continue  # q=0: not acceptable
        allowed.add(name.strip())
    if "br" in allowed:
        return "br"
    if allowed & {"gzip", "*"}:
        return "gzip"
    return None


SYNC_OFFLINE_EXIT = 3


def sync_command(argv: list[str]) -> int:
    """``sync``: one sync of one profile, for a scheduled task on an office PC. The PIN
    comes from SAMTALE_PIN or is asked for; nothing readable is printed. ``--maintain``
    (HR's profile): after the sync, one maintenance run over the share
    (``sync.housekeeping``), printing what it removed — counts, bytes and time."""
    import getpass

    parser = argparse.ArgumentParser(prog="main.py sync", description=sync_command.__doc__)
    parser.add_argument("--data", type=Path, help="data folder (default: the user data folder)")
    parser.add_argument("--profile", help="profile id (needed when the device has several)")
    parser.add_argument("--maintain", action="store_true",
                        help="HR: also remove from the share what it no longer keeps")
    args = parser.parse_args(argv)

    from conversations.model import InputRejected
    from resources.library import load_library
    from services.app import AppSession
    from services.privacy_desk import PrivacyDesk
    from storage import Device, StorageError
    from sync.share import ShareFull, ShareUnavailable

    device = Device((args.data or default_data_dir()).expanduser())
    session = AppSession(device, load_library())
    profiles = session.profiles()
    chosen = [p for p in profiles if args.profile in (None, p.id)]
    if len(chosen) != 1:
        listing = ", ".join(f"{p.id} (created {p.created[:10]})" for p in profiles) or "none"
        print(f"Choose one profile with --profile: {listing}", file=sys.stderr)
        return 2
    pin = os.environ.get("SAMTALE_PIN") or (
        getpass.getpass("PIN: ") if sys.stdin.isatty() else ""
    )
    maintained = None
    try:
        session.unlock(chosen[0].id, pin)
        report = session.sync()
        if args.maintain:
            maintained = PrivacyDesk(session).maintain_share()
    except ShareUnavailable:
        print("The share cannot be reached; nothing was lost. Try again later.")
        return SYNC_OFFLINE_EXIT
    except (ShareFull, StorageError) as err:
        print(f"Sync stopped: {session.texts(err.key, **err.params)}", file=sys.stderr)
        return 1
    except InputRejected as err:
        print(session.texts(err.key, **err.params), file=sys.stderr)
        return 2
    finally:
        session.lock()
    print(f"Synced: sent {report.pushed}, fetched {report.pulled}, "
          f"rejected {len(report.rejected)}, conflicts {len(report.conflicts)}")
    if maintained is not None:
        print(maintenance_line(maintained))
    return 0


def maintenance_line(report: Any) -> str:
    """What a maintenance run did (``sync.housekeeping.MaintenanceReport``), in one line."""
    parts = ", ".join(f"{reason} {report.removed[reason]} ({report.freed[reason]:,} bytes)"
                      for reason in report.removed)
    line = (f"Maintained: removed {report.removed_total} objects, "
            f"{report.freed_total:,} bytes — {parts}; finished from an earlier run "
            f"{report.finished}; {report.tombstones} tombstones "
            f"({report.tombstone_bytes:,} bytes); looked at {report.objects} objects "
            f"({report.object_bytes:,} bytes) in {report.seconds:.2f} s")
    if report.not_removable:
        line += f"; {report.not_removable} could not be removed (the share cannot delete)"
    return line


BENCHMARKS = ("storage", "startup", "sync", "pdf", "overview", "housekeeping")
SHUTDOWN_GRACE_S = 5


def bench(argv: list[str]) -> int:
    """``bench NAME [options]``: runs one benchmark.

    Each benchmark module has ``main(argv) -> int``: it prints a table, quotes ratios
    against references measured in the same run, ends with ``bench NAME: PASS`` or
    ``bench NAME: FAIL`` and returns non-zero when a budget is missed."""
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: main.py bench {{{','.join(BENCHMARKS)}}} [--quick]", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(f"bench.{argv[0]}")
    return int(module.main(argv[1:]))


HOSTED_BY_FLET = ("FLET_PLATFORM", "FLET_DISPLAY_URL_PREFIX")
DATA_FOLDER_NAME = "Samtale"
IDLE_MINUTES = 5.0


def hosted_by_flet() -> bool:
    """True inside a packaged app or under ``flet run``: Flet owns the process."""
    return any(os.environ.get(name) for name in HOSTED_BY_FLET)


def hosted_data_dir() -> Path:
    """The app's folder inside the host's durable, private storage."""
    storage = os.environ.get("FLET_APP_STORAGE_DATA")
    return (Path(storage) if storage else default_data_dir()) / DATA_FOLDER_NAME


def run_hosted() -> int:
    """Runs the app the way a packaged Flet runtime (or ``flet run``) expects: one native
    ``ft.run``; the host chooses the transport (Dart bridge on a device, a Unix socket or
    TCP from ``flet run``, the web server for ``flet run --web``)."""
    import tempfile

    import flet as ft

    from resources.library import load_library
    from services.clock import Clock
    from storage import Device
    from views.app import make_main

    temp = os.environ.get("FLET_APP_STORAGE_TEMP")
    if temp:
        Path(temp).mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = temp
    library = load_library()
    for problem in library.problems:
        print(f"Question sheet skipped: {problem}", file=sys.stderr)
    data_dir = hosted_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    assets = os.environ.get("FLET_ASSETS_DIR") or str(ROOT / "assets")
    clock = Clock()
    ft.run(
        make_main(Device(data_dir, clock=clock.time), library, lang="da",
                  idle_seconds=IDLE_MINUTES * 60, clock=clock),
        assets_dir=assets,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    if hosted_by_flet():
        return run_hosted()
    argv = sys.argv[1:] if argv is None else argv
    # Benchmarks need what tests need: Samba, Chromium and Playwright.
    purpose = "test" if argv[:1] in (["test"], ["bench"]) else "app"
    ensure_environment(purpose, argv)
    if argv[:1] == ["test"]:
        return run_tests(argv[1:])
    if argv[:1] == ["bench"]:
        return bench(argv[1:])
    if argv[:1] == ["sync"]:
        return sync_command(argv[1:])
    return serve(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
