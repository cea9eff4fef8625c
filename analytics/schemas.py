"""OpenAPI descriptions of the analytics API's answers (documentation only: the selectors build them)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from analytics.enums import Credit, Granularity
from analytics.params import MAX_RANGE
from recovery.api.schemas import ClosedSerializer
from recovery.enums import Category, PaymentMethodType
from recovery.limits import GATEWAY_PATTERN


class AmountOut(ClosedSerializer):
    count = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="In the currency's minor unit.")


class CreditsOut(ClosedSerializer):
    email_link = AmountOut()
    auto_charge = AmountOut()
    payer_before_any_attempt = AmountOut()
    payer_after_attempts = AmountOut()
    merchant = AmountOut()


class KpisOut(ClosedSerializer):
    failed_count = serializers.IntegerField()
    failed_amount = serializers.IntegerField()
    recovered_count = serializers.IntegerField()
    recovered_amount = serializers.IntegerField()
    recovery_rate = serializers.FloatField(min_value=0, max_value=1, help_text="recovered_count / failed_count.")
    in_progress_count = serializers.IntegerField()
    in_progress_amount = serializers.IntegerField()
    abandoned_count = serializers.IntegerField()
    abandoned_amount = serializers.IntegerField()
    refunded_count = serializers.IntegerField(help_text="Recovered, then refunded (in part or in full).")
    refunded_amount = serializers.IntegerField()
    median_time_to_recover_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="From the first failure to the payment; interpolated inside its histogram bucket. Null when "
        "nothing was recovered.",
    )
    by_credit = CreditsOut(help_text="Recoveries by what brought the money back.")
    by_attempts = serializers.DictField(
        child=AmountOut(),
        help_text='Recoveries by the attempts that had acted before the money came: "0" (before any attempt), '
        '"1" … "5", and "6+".',
    )


class CurrencyKpisOut(ClosedSerializer):
    currency = serializers.CharField()
    current = KpisOut()
    previous = KpisOut(help_text="The same for the range of equal length just before.")


# "from" is a Python keyword: the common fields of every answer are declared by name.
RangeOut = type(
    "RangeOut",
    (ClosedSerializer,),
    {
        "object": serializers.CharField(),
        "livemode": serializers.BooleanField(),
        "from": serializers.DateField(),
        "to": serializers.DateField(help_text="Exclusive."),
    },
)


class KpisListOut(RangeOut):  # type: ignore[misc,valid-type]
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()
    data = CurrencyKpisOut(many=True)


class RatePointOut(ClosedSerializer):
    period_start = serializers.DateField()
    failed_count = serializers.IntegerField()
    recovered_count = serializers.IntegerField()
    recovery_rate = serializers.FloatField(min_value=0, max_value=1)


class RevenuePointOut(ClosedSerializer):
    period_start = serializers.DateField()
    recovered_count = serializers.IntegerField()
    recovered_amount = serializers.IntegerField(help_text="In the currency's minor unit.")
    by_credit = CreditsOut()


class RateSeriesOut(ClosedSerializer):
    currency = serializers.CharField()
    points = RatePointOut(many=True)


class RevenueSeriesOut(ClosedSerializer):
    currency = serializers.CharField()
    points = RevenuePointOut(many=True)


class RecoveryRateListOut(RangeOut):  # type: ignore[misc,valid-type]
    granularity = serializers.ChoiceField(choices=Granularity.values)
    data = RateSeriesOut(many=True)


class RevenueListOut(RangeOut):  # type: ignore[misc,valid-type]
    granularity = serializers.ChoiceField(choices=Granularity.values)
    data = RevenueSeriesOut(many=True)


class SliceOut(ClosedSerializer):
    key = serializers.CharField()
    failed_count = serializers.IntegerField()
    failed_amount = serializers.IntegerField()
    recovered_count = serializers.IntegerField()
    recovered_amount = serializers.IntegerField()
    recovery_rate = serializers.FloatField(min_value=0, max_value=1)


class DeclineCodeOut(ClosedSerializer):
    gateway = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    declines = serializers.IntegerField(help_text="Failure events with this code.")
    amount = serializers.IntegerField()


class DistributionOut(ClosedSerializer):
    currency = serializers.CharField()
    by_category = SliceOut(many=True)
    by_gateway = SliceOut(many=True)
    by_payment_method_type = SliceOut(many=True)
    by_code = DeclineCodeOut(many=True)


class DistributionListOut(RangeOut):  # type: ignore[misc,valid-type]
    data = DistributionOut(many=True)


class CohortOut(ClosedSerializer):
    week_start = serializers.DateField()
    failed_count = serializers.IntegerField()
    recovered_count = serializers.IntegerField()
    recovered_after_attempts = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text='Share recovered with at most N attempts made: "0" (before any attempt) … "6+".',
    )
    recovered_within_days = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text='Share recovered within N days of the failure: "1", "3", "7", "14", "30".',
    )


class CurrencyCohortsOut(ClosedSerializer):
    currency = serializers.CharField()
    cohorts = CohortOut(many=True)


class CohortListOut(RangeOut):  # type: ignore[misc,valid-type]
    data = CurrencyCohortsOut(many=True)


_RANGE = (
    f"Days in your organization's time zone, YYYY-MM-DD; `to` is exclusive. Default: the 30 days up to and "
    f"including today. At most {MAX_RANGE.days} days. Failures count on the day Tinko recorded them."
)
QUERY_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description=_RANGE),
    OpenApiParameter("to", OpenApiTypes.DATE, description=_RANGE),
    OpenApiParameter("currency", pattern="^[A-Za-z]{3}$", description="ISO 4217, any case."),
    OpenApiParameter("gateway", pattern=GATEWAY_PATTERN.pattern, description="A gateway name, in any case."),
    OpenApiParameter("category", enum=Category.values),
    OpenApiParameter("payment_method_type", enum=PaymentMethodType.values),
]
GRANULARITY_PARAMETER = OpenApiParameter(
    "granularity", enum=Granularity.values, description="Series periods (weeks start on Monday); default day."
)
CREDITS_DESCRIPTION = "; ".join(f"`{credit.value}`: {credit.label}" for credit in Credit)
CSV_RESPONSE = OpenApiResponse(response=OpenApiTypes.STR, description="CSV (RFC 4180), streamed.")
