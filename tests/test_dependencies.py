"""The core dependencies can be installed on a phone.

``flet build apk|ipa`` installs ``[project].dependencies`` for Android or iOS: pure-Python
wheels from PyPI, binary ones only from Flet's mobile index. So every binary distribution
in the installed core closure must be one that index provides; anything else would make
the phone build fail (as uvicorn[standard]'s uvloop, httptools and watchfiles did)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# Binary distributions Flet's mobile package index builds for Android and iOS (recipes in
# flet-dev/mobile-forge). fonttools also ships a pure-Python wheel, used where no binary one
# exists; its compiled speed-ups are optional.
MOBILE_INDEX_PROVIDES = frozenset({
    "argon2-cffi-bindings", "cffi", "cryptography", "fonttools", "msgpack", "pillow",
})
# Never in the core: no phone has them (or they serve a browser, which a phone does not).
SERVER_ONLY = frozenset({
    "flet-web", "fastapi", "uvicorn", "uvloop", "httptools", "watchfiles", "websockets",
    "pydantic-core", "brotli",
})


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def core_closure() -> dict[str, metadata.Distribution]:
    """The installed distributions ``[project].dependencies`` pull in, extras included
    where a requirement asks for them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(Requirement(text), "") for text in project["dependencies"]]
    while todo:
        requirement, extra = todo.pop()
        # evaluate() fills in this machine's environment; only the extra is ours to say.
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonical(requirement.name)
        distribution = found.setdefault(name, metadata.distribution(name))
        for wanted in ["", *sorted(requirement.extras)]:
            if (name, wanted) in done:
                continue
            done.add((name, wanted))
            todo.extend((Requirement(text), wanted) for text in distribution.requires or [])
    return found


def is_binary(distribution: metadata.Distribution) -> bool:
    wheel = distribution.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines()
            if line.startswith("Tag:")]
    pure = "Root-Is-Purelib: true" in wheel and all(tag.endswith("-none-any") for tag in tags)
    return not pure


def test_every_binary_core_dependency_is_one_flets_mobile_index_provides() -> None:
    binary = sorted(name for name, dist in core_closure().items() if is_binary(dist))
    outside = [name for name in binary if name not in MOBILE_INDEX_PROVIDES]
    assert outside == [], f"binary packages no phone build can install: {', '.join(outside)}"


def test_no_server_package_is_a_core_dependency() -> None:
    assert sorted(SERVER_ONLY & set(core_closure())) == []


def test_the_closure_walk_sees_binary_packages() -> None:
    # Guards the test above against passing because it found nothing.
    closure = core_closure()
    assert {"flet", "cryptography", "argon2-cffi-bindings", "babel"} <= set(closure)
    assert is_binary(closure["cryptography"])
    assert not is_binary(closure["babel"])


def test_the_web_extra_brings_what_serving_to_a_browser_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    web = {canonical(Requirement(text).name) for text in project["optional-dependencies"]["web"]}
    assert {"flet-web", "uvicorn"} <= web
