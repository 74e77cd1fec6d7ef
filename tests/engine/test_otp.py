"""One-time codes: only a hash is kept, wrong tries are counted, expiry is enforced."""

import time

from bot.engine import otp


def test_right_code_passes_and_the_code_itself_is_not_stored():
    rec = otp.issue("482913", "09120000101", ttl=60, max_tries=3)
    assert "482913" not in str(rec)
    assert otp.check(rec, "482913") is otp.Check.OK


def test_wrong_codes_use_up_the_tries_then_lock():
    rec = otp.issue("482913", "09120000101", ttl=60, max_tries=3)
    assert otp.check(rec, "000000") is otp.Check.WRONG
    assert otp.check(rec, "111111") is otp.Check.WRONG
    assert otp.check(rec, "222222") is otp.Check.LOCKED
    assert otp.check(rec, "482913") is otp.Check.LOCKED


def test_an_expired_code_is_refused():
    rec = otp.issue("482913", "09120000101", ttl=60, max_tries=3)
    rec["exp"] = int(time.time()) - 1
    assert otp.check(rec, "482913") is otp.Check.EXPIRED


def test_new_codes_are_six_digits_and_never_one_repeated_digit():
    for _ in range(200):
        code = otp.new_code()
        assert len(code) == 6 and code.isdigit() and len(set(code)) > 1
