import pytest

from mdm.bounded_json import JSONTooDeep, json_loads_bounded


def test_ordinary_json_parses_as_json_loads_does():
    assert json_loads_bounded(b'{"records": [{"name": "Acme", "total": 12345678901234567890}]}') == {
        "records": [{"name": "Acme", "total": 12345678901234567890}]}


@pytest.mark.parametrize("depth", [5, 50_000])
def test_a_document_deeper_than_the_bound_is_refused_as_bad_json(depth):
    with pytest.raises(JSONTooDeep, match="nested deeper than 4 levels") as error:
        json_loads_bounded("[" * depth + "]" * depth, max_depth=4)
    assert isinstance(error.value, ValueError)  # callers that refuse bad JSON refuse this too


def test_the_bound_counts_arrays_and_objects_alike():
    assert json_loads_bounded('{"a": [{"b": 1}]}', max_depth=3) == {"a": [{"b": 1}]}
    with pytest.raises(JSONTooDeep):
        json_loads_bounded('{"a": [{"b": []}]}', max_depth=3)
