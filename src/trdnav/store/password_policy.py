"""What a new staff password must be (ASVS 2.1): the same rules wherever one is set (the command
line, an admin's new account, changing one's own, a reset link).

At least `MIN_LENGTH` characters, counted as characters (``len`` of the text, so "é" is one, not two
bytes), and at most `MAX_LENGTH`; nothing is ever cut off: argon2id hashes the whole password. It
must not contain the account's email address (or the part before the ``@``) or a word of the
person's name, and zxcvbn (its lists of common and breached passwords, keyboard walks, repeats,
dates and l33t spellings) must rate it at least `MIN_SCORE` of 4. zxcvbn reads at most its first
`ZXCVBN_LENGTH` characters (its own limit, for time); a longer password is only stronger.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses or more
ZXCVBN_LENGTH = 72
_NAME_WORD = 4  # shorter parts of a name ("Al", "Ng") are left alone: too many passphrases hold them


class WeakPassword(ValueError):
    """The password breaks a rule; the message says which, in plain words."""


def _personal_words(email: str, name: str) -> list[str]:
    email = email.strip().lower()
    local = email.partition("@")[0]
    words = [email, local] if len(local) >= _NAME_WORD else [email]
    words += [word for word in name.lower().replace("-", " ").split() if len(word) >= _NAME_WORD]
    return [word for word in words if word]


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise `WeakPassword` naming why ``password`` may not be used by this person."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if any(word in lowered for word in _personal_words(email, name)):
        raise WeakPassword("must not contain your email address or your name")
    rating = zxcvbn(password[:ZXCVBN_LENGTH], user_inputs=[email, name, "trd navigator"])
    if rating["score"] < MIN_SCORE:
        warning = str(rating["feedback"].get("warning") or "").rstrip(".")
        why = f" ({warning[:1].lower()}{warning[1:]})" if warning else ""
        raise WeakPassword(f"is too common or too easy to guess{why}; try four or more unrelated words")
