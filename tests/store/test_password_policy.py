"""What a new password must be: length in characters (not bytes), never cut off, not common or
breached (zxcvbn), not the person's email or name; the same rules for every way a password is set."""

from __future__ import annotations

import pytest

from trdnav.store.accounts import AccountError, check_new_password
from trdnav.store.password_policy import MAX_LENGTH, WeakPassword, check_password
from trdnav.store.passwords import hash_password, password_matches

ANA = {"email": "ana.north@north.example", "name": "Anabel North"}


def test_length_counts_characters_not_bytes() -> None:
    eleven = "日本語のパスワードです"  # 11 characters, 33 bytes in UTF-8
    assert len(eleven) == 11 and len(eleven.encode()) == 33
    with pytest.raises(WeakPassword, match="at least 12 characters"):
        check_password(eleven)
    check_password(eleven + "か")  # 12 characters


def test_a_password_longer_than_the_limit_is_refused_by_name_and_the_limit_itself_is_taken() -> None:
    with pytest.raises(WeakPassword, match=f"at most {MAX_LENGTH} characters"):
        check_password("quiet harbour dawn " * 14)  # 266
    check_password(("quiet harbour dawn " * 14)[:MAX_LENGTH])


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiopasdf", "iloveyou12345", "xxxxxxxxxxxx", " " * 12, "Password123!"],
)
def test_common_breached_and_patterned_passwords_are_refused_saying_why(password: str) -> None:
    with pytest.raises(WeakPassword, match="too common or too easy to guess"):
        check_password(password)


@pytest.mark.parametrize(
    "password", ["ana.north@north.example!", "my name is Anabel ok", "ANA.NORTH 2026 spring"]
)
def test_a_password_with_the_persons_email_or_name_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="must not contain your email address or your name"):
        check_password(password, **ANA)


def test_the_store_names_the_password_field() -> None:
    with pytest.raises(AccountError, match=r"^password: is too common"):
        check_new_password("password1234")
    check_new_password("correct horse battery staple", **ANA)


def test_a_long_password_is_hashed_whole_never_cut_off() -> None:
    """100 characters, the two differing only in the last: a hasher that cut at 72 bytes (bcrypt)
    or anywhere before the end would take one for the other."""
    first = "quiet harbour dawn " * 5 + "abcde"
    second = first[:-1] + "f"
    assert len(first) == 100 and first != second
    check_password(first)
    hashed = hash_password(first)
    assert password_matches(hashed, first)
    assert not password_matches(hashed, second)
