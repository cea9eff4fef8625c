import re
import string
from collections import Counter

import pytest

from tinko import ids
from tinko.ids import PUBLIC_ID_RANDOM_LENGTH, new_public_id, new_public_ids

_SHAPE = re.compile(rf"^txn_[A-Za-z0-9]{{{PUBLIC_ID_RANDOM_LENGTH}}}$")
_ALPHABET = string.ascii_letters + string.digits


def test_an_id_is_the_prefix_and_22_base62_digits() -> None:
    assert _SHAPE.match(new_public_id("txn"))


def test_ids_made_together_have_the_same_shape_and_differ() -> None:
    made = new_public_ids("txn", 1000)

    assert len(made) == 1000
    assert all(_SHAPE.match(public_id) for public_id in made)
    assert len(set(made)) == 1000


def test_no_ids_asked_none_made() -> None:
    assert new_public_ids("fev", 0) == []


def test_each_byte_below_248_is_one_digit_and_the_others_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = iter([bytes([0, 61, 62, 248, 255, 123]), bytes([247, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda size: next(chunks))

    digits = ids._random_digits(8)

    # 0, 61, 62, (248 and 255 dropped), 123; then 247, 1, 2, 3 of the second draw.
    assert digits == "a9a99bcd"


def test_every_digit_is_about_equally_likely() -> None:
    counts = Counter(ids._random_digits(62 * 2000))

    assert set(counts) == set(_ALPHABET)
    assert all(1600 < count < 2400 for count in counts.values())
