"""Properties of the sealing recipes: what is sealed opens only unchanged, with its key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import sealing
from storage.sealing import InvalidSealError, KdfParams

keys = st.binary(min_size=32, max_size=32)
payloads = st.binary(max_size=2048)
associated = st.binary(max_size=128)


@given(keys, payloads, associated)
def test_sealed_data_opens_to_itself(key: bytes, plaintext: bytes, ad: bytes) -> None:
    assert sealing.open_sealed(key, sealing.seal(key, plaintext, ad), ad) == plaintext


@given(keys, payloads, associated, st.data())
def test_any_changed_byte_of_nonce_ciphertext_or_tag_is_rejected(
    key: bytes, plaintext: bytes, ad: bytes, data: st.DataObject
) -> None:
    blob = bytearray(sealing.seal(key, plaintext, ad))
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    blob[position] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(InvalidSealError):
        sealing.open_sealed(key, bytes(blob), ad)


@given(keys, payloads, associated, associated)
def test_other_associated_data_is_rejected(
    key: bytes, plaintext: bytes, ad: bytes, other: bytes
) -> None:
    if other == ad:
        return
    with pytest.raises(InvalidSealError):
        sealing.open_sealed(key, sealing.seal(key, plaintext, ad), other)


@given(keys, keys, payloads, associated)
def test_wrong_key_is_rejected(key: bytes, other: bytes, plaintext: bytes, ad: bytes) -> None:
    if other == key:
        return
    with pytest.raises(InvalidSealError):
        sealing.open_sealed(other, sealing.seal(key, plaintext, ad), ad)


@given(keys, payloads, associated, st.data())
def test_truncated_or_extended_blob_is_rejected(
    key: bytes, plaintext: bytes, ad: bytes, data: st.DataObject
) -> None:
    blob = sealing.seal(key, plaintext, ad)
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut")
    with pytest.raises(InvalidSealError):
        sealing.open_sealed(key, blob[:cut], ad)
    with pytest.raises(InvalidSealError):
        sealing.open_sealed(key, blob + data.draw(st.binary(min_size=1, max_size=16)), ad)


@given(keys, payloads)
def test_each_seal_uses_a_fresh_nonce(key: bytes, plaintext: bytes) -> None:
    assert sealing.seal(key, plaintext, b"") != sealing.seal(key, plaintext, b"")


def test_seal_adds_a_fixed_overhead() -> None:
    assert len(sealing.seal(sealing.new_key(), b"x" * 100, b"")) == 100 + sealing.SEAL_OVERHEAD


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_derived_key_depends_on_pin_and_salt(pin: str, other: str) -> None:
    salt = b"s" * sealing.SALT_SIZE
    params = KdfParams.FAST_FOR_TESTS
    key = sealing.derive_key(pin, salt, params)
    assert len(key) == sealing.KEY_SIZE
    assert sealing.derive_key(pin, salt, params) == key
    assert sealing.derive_key(pin, b"t" * sealing.SALT_SIZE, params) != key
    if sealing.normalize_pin(other) != sealing.normalize_pin(pin):
        assert sealing.derive_key(other, salt, params) != key


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(0, 1, 1),
        KdfParams(8192, 0, 1),
        KdfParams(8192, 1, 0),
        KdfParams(2**21, 1, 1),
        KdfParams(2**20 + 1, 1, 1),  # above 1 GiB: would exhaust a tablet
        KdfParams(8192, 11, 1),  # above 10 passes: would stall the unlock
        KdfParams(8192, 1, 17),
        KdfParams(15, 1, 2),  # Argon2 needs 8 KiB per lane
    ],
)
def test_unsafe_kdf_costs_are_refused(params: KdfParams) -> None:
    with pytest.raises(ValueError):
        sealing.derive_key("123456", b"s" * sealing.SALT_SIZE, params)


def test_kdf_cost_caps_are_one_gib_and_ten_passes() -> None:
    KdfParams(memory_kib=1024 * 1024, iterations=10, lanes=16).check()
    assert (sealing.MAX_KDF_MEMORY_KIB, sealing.MAX_KDF_ITERATIONS) == (1024 * 1024, 10)


costs = st.builds(
    KdfParams,
    memory_kib=st.integers(8 * 16, 2**20),
    iterations=st.integers(1, 10),
    lanes=st.integers(1, 16),
)


@given(costs, costs)
def test_at_least_takes_the_stronger_cost_field_by_field(a: KdfParams, b: KdfParams) -> None:
    stronger = a.at_least(b)
    assert stronger == b.at_least(a)
    assert stronger.memory_kib == max(a.memory_kib, b.memory_kib)
    assert stronger.iterations == max(a.iterations, b.iterations)
    assert stronger.lanes == max(a.lanes, b.lanes)
    stronger.check()  # two safe costs never combine into an unsafe one
    assert a.at_least(a) == a


def test_default_kdf_cost_is_the_designed_one() -> None:
    assert KdfParams(memory_kib=65536, iterations=3, lanes=4) == KdfParams.DEFAULT


def test_subkeys_differ_by_purpose() -> None:
    key = sealing.new_key()
    assert sealing.subkey(key, "a") != sealing.subkey(key, "b")
    assert sealing.subkey(key, "a") == sealing.subkey(key, "a")


def test_recovery_code_looks_right() -> None:
    code = sealing.new_recovery_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4] * 7
    assert not set(code) & set("ILOU")


def test_recovery_codes_are_random() -> None:
    assert len({sealing.new_recovery_code() for _ in range(100)}) == 100


@given(st.data())
def test_recovery_code_survives_case_spacing_and_lookalikes(data: st.DataObject) -> None:
    code = sealing.new_recovery_code()
    salt = b"r" * sealing.SALT_SIZE
    typed = code.lower() if data.draw(st.booleans()) else code
    typed = typed.replace("-", data.draw(st.sampled_from(["", " ", "-", "  "])))
    typed = typed.replace("0", "O").replace("1", data.draw(st.sampled_from(["I", "l", "1"])))
    assert sealing.recovery_key(typed, salt) == sealing.recovery_key(code, salt)


@pytest.mark.parametrize("code", ["", "ABCD", "U" * 28, "A" * 27, "A" * 29, "ÆØÅ" * 10])
def test_malformed_recovery_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError):
        sealing.recovery_key(code, b"r" * sealing.SALT_SIZE)
