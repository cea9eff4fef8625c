from typing import Any

import pytest

from tinko import sql


def test_rows_are_adapted_column_by_column_and_none_stays_none() -> None:
    rows: list[list[Any]] = [[1, {"a": 1}, "x"], [2, None, "y"]]

    adapted = sql._adapt(rows, [None, sql._dumps, str.upper])

    assert adapted == [[1, '{"a":1}', "X"], [2, None, "Y"]]
    assert rows == [[1, {"a": 1}, "x"], [2, None, "y"]]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="Rows have 2 values, not 3"):
        sql._adapt([[1, 2]], [None, None, None])
    with pytest.raises(ValueError, match="shorter"):
        sql._adapt([[1, 2, 3], [1, 2]], [None, None, None])


def test_columns_transpose_rows() -> None:
    assert sql._columns([[1, "a"], [2, "b"], [3, "c"]], 2) == [[1, 2, 3], ["a", "b", "c"]]
    assert sql._columns([], 2) == [[], []]
