"""The OpenAPI descriptions (schemas.py) and the parser (parsing.py) accept the same fields."""

from recovery.api import schemas
from recovery.api.parsing import BATCH_ITEM_FIELDS, CLASSIFY_FIELDS, CUSTOMER_FIELDS, EVENT_FIELDS


def test_documented_request_fields_are_exactly_the_parsed_ones() -> None:
    assert set(schemas.PaymentFailedIn().fields) == EVENT_FIELDS
    assert set(schemas.BatchItemIn().fields) == BATCH_ITEM_FIELDS
    assert set(schemas.CustomerIn().fields) == CUSTOMER_FIELDS
    assert set(schemas.ClassifyIn().fields) == CLASSIFY_FIELDS
    assert set(schemas.BatchIn().fields) == {"events"}
