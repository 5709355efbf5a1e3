"""Every parser of outside input, fed arbitrary and almost-right input: the result is a
valid value or the parser's documented error (ValidationError with a message; for a
calendar feed ImportFailed, and the import keeps the last good busy times), never
another exception and never a hang."""

import base64
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scheduler.validators import THREEMA_ID, normalize_phone, normalize_threema_id, parse_openpgp_key

# Derandomized: the same examples on every run, so CI never fails on a new one by chance.
FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None)


def clean_error(error: ValidationError) -> None:
    """A message a person can read: there, one line, no Python or Rust internals."""
    assert error.messages and all(message.strip() for message in error.messages)
    for message in error.messages:
        assert "Traceback" not in message and "backtrace" not in message.lower()


# --- Phone numbers -----------------------------------------------------------

phone_like = st.from_regex(r"\A[+0(]?[0-9 ()/.\-]{0,25}\Z")


@FUZZ
@given(text=st.text(max_size=300) | phone_like, region=st.sampled_from(["DE", "AT", "US", "ZZ", "", "de"]))
@example(text="+49" + "1" * 300, region="DE")
def test_phone_is_e164_or_a_validation_error(text, region):
    try:
        number = normalize_phone(text, default_region=region)
    except ValidationError as error:
        clean_error(error)
    else:
        assert number.startswith("+") and number[1:].isdigit()
        assert normalize_phone(number) == number  # a normalised number stays as it is


# --- Threema IDs -------------------------------------------------------------


@FUZZ
@given(text=st.text(max_size=50) | st.from_regex(r"\A\s*[*a-zA-Z0-9]{6,10}\s*\Z"))
def test_threema_id_is_eight_characters_or_a_validation_error(text):
    try:
        threema_id = normalize_threema_id(text)
    except ValidationError as error:
        clean_error(error)
    else:
        assert THREEMA_ID.fullmatch(threema_id)
        assert normalize_threema_id(threema_id) == threema_id


# --- OpenPGP keys ------------------------------------------------------------


def armor(data: bytes, kind: str = "PUBLIC KEY BLOCK") -> str:
    lines = base64.b64encode(data).decode()
    body = "\n".join(lines[i : i + 64] for i in range(0, len(lines), 64))
    return f"-----BEGIN PGP {kind}-----\n\n{body}\n-----END PGP {kind}-----\n"


def dearmor(armored: str) -> bytes:
    lines = armored.strip().splitlines()
    return base64.b64decode("".join(line for line in lines[2:-1] if not line.startswith("=")))


@st.composite
def damaged_keys(draw, keys):
    """A real key, armored again after bytes were changed, cut off or added."""
    data = bytearray(dearmor(keys[draw(st.sampled_from(["valid", "sign_only", "expired", "revoked"]))]))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=20))
    return armor(bytes(data))


@settings(FUZZ, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_openpgp_key_is_usable_or_a_validation_error(openpgp_keys, data):
    text = data.draw(
        st.text(max_size=300)
        | st.binary(max_size=600).map(armor)
        | st.binary(max_size=200).map(lambda b: armor(b, "PRIVATE KEY BLOCK"))
        | damaged_keys(openpgp_keys)
        | st.sampled_from(["valid", "sign_only", "expired", "revoked"]).map(openpgp_keys.get)
    )
    try:
        key = parse_openpgp_key(text)
    except ValidationError as error:
        clean_error(error)
    else:
        assert len(key.fingerprint) == 40
        assert key.armored == text.strip()


# Found by the test above: a key whose self-signature is damaged parses, and reading its
# user IDs or expiry raised RuntimeError("No binding signature at time …").
KEY_WITHOUT_BINDING_SIGNATURE = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEAAvhABYJKwYBBAHaRw8BAQdAX2v7wxWe+okeQYgQD1EgABuBfz55u5zHDgMp
gWOS6IC0HE9sZCBDbGllbnQgPG9sZEBleGFtcGxlLm9yZz6IlgQTFggAPhYhBHTe
/dIS2xE5oqWFjvr9laH9RMOUBQJeC+EAAhsDBQkAyPCgBQsJCAcCBhUKCQgLAgQW
AgMBAh4BAheAAAoJEPr9laH9RMOUIhMA/iIZfRWHZqm9b3tbNl4Qbl8t5FIbdWHC
VNXkoePpuwcBAQCteTvfSPkMFlj6Bu4BCWxFl1FkCVd97BkAAAAAAAAAAA==
-----END PGP PUBLIC KEY BLOCK-----
"""


def test_a_key_with_a_damaged_self_signature_is_not_a_key():
    with pytest.raises(ValidationError, match="not an OpenPGP public key \\(No binding signature") as caught:
        parse_openpgp_key(KEY_WITHOUT_BINDING_SIGNATURE)
    clean_error(caught.value)
