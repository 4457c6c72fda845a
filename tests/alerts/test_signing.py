"""Standard Webhooks signatures, checked against the spec's test vector and its reference library."""

import base64
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from alerts.signing import InvalidSignature, generate_secret, headers_for, sign, verify

# The test vector of the Standard Webhooks reference implementation:
# standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py, test_sign_function.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = datetime.fromtimestamp(1614265330, tz=timezone.utc)
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def vector_headers(signature: str = VECTOR_SIGNATURE) -> dict[str, str]:
    return {"webhook-id": VECTOR_MSG_ID, "webhook-timestamp": "1614265330", "webhook-signature": signature}


def test_sign_reproduces_the_spec_test_vector():
    assert (
        sign(secret=VECTOR_SECRET, msg_id=VECTOR_MSG_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
        == VECTOR_SIGNATURE
    )


def test_headers_carry_id_unix_timestamp_and_signature():
    headers = headers_for(secrets=[VECTOR_SECRET], msg_id=VECTOR_MSG_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    assert headers == vector_headers()


def test_verify_accepts_the_test_vector_within_tolerance():
    verify(
        secret=VECTOR_SECRET,
        headers=vector_headers(),
        body=VECTOR_BODY,
        now=VECTOR_TIMESTAMP + timedelta(minutes=4),
    )


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_verify_refuses_timestamps_outside_tolerance_both_ways(offset):
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify(secret=VECTOR_SECRET, headers=vector_headers(), body=VECTOR_BODY, now=VECTOR_TIMESTAMP + offset)


def test_verify_refuses_a_tampered_body():
    with pytest.raises(InvalidSignature, match="no v1 signature"):
        verify(secret=VECTOR_SECRET, headers=vector_headers(), body=b'{"test": 2432232315}', now=VECTOR_TIMESTAMP)


def test_verify_refuses_a_signature_one_bit_off():
    # The reference library's own negative case: the last base64 digit changed from E to A.
    near_miss = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    with pytest.raises(InvalidSignature):
        verify(secret=VECTOR_SECRET, headers=vector_headers(near_miss), body=VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_verify_finds_the_valid_signature_among_several():
    other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
    header = f"{other} v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {VECTOR_SIGNATURE} v1,not-base64!"
    verify(secret=VECTOR_SECRET, headers=vector_headers(header), body=VECTOR_BODY, now=VECTOR_TIMESTAMP)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_verify_refuses_missing_headers(missing):
    headers = vector_headers()
    del headers[missing]
    with pytest.raises(InvalidSignature, match="missing"):
        verify(secret=VECTOR_SECRET, headers=headers, body=VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_header_names_are_case_insensitive():
    headers = {name.title(): value for name, value in vector_headers().items()}
    verify(secret=VECTOR_SECRET, headers=headers, body=VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_generated_secret_is_whsec_base64_of_32_random_bytes():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_rotation_signs_with_old_and_new_secret_and_the_reference_library_accepts_either():
    old, new = generate_secret(), generate_secret()
    moment = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    body = b'{"specversion":"1.0"}'
    headers = headers_for(secrets=[old, new], msg_id="msg_1", timestamp=moment, body=body)

    signatures = headers["webhook-signature"].split(" ")
    # The reference library signs independently of our code; its sign() takes no clock.
    assert signatures == [
        Webhook(old).sign("msg_1", moment, body.decode()),
        Webhook(new).sign("msg_1", moment, body.decode()),
    ]
    for secret in (old, new):
        verify(secret=secret, headers=headers, body=body, now=moment)
    with pytest.raises(InvalidSignature):
        verify(secret=generate_secret(), headers=headers, body=body, now=moment)


def test_secret_that_is_not_base64_is_refused_with_the_expected_format():
    with pytest.raises(ValueError, match="whsec_<base64>"):
        sign(secret="whsec_not base64!", msg_id="m", timestamp=VECTOR_TIMESTAMP, body=b"")
