"""REST API for accounts."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role


class OrganizationRetrieveApi(APIView):
    required_role = Role.ANALYST

    class OutputSerializer(serializers.Serializer):
        id = serializers.CharField(source="public_id")
        name = serializers.CharField()
        slug = serializers.CharField()
        mode = serializers.CharField()
        time_zone = serializers.CharField()
        default_currency = serializers.CharField()

    @extend_schema(
        operation_id="organization_retrieve",
        summary="The organization of the calling API key",
        description="Use it to check that a key works and which organization and mode it belongs to.",
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        api_key = request_api_key(request)
        organization = api_key.organization
        data = {
            "public_id": organization.public_id,
            "name": organization.name,
            "slug": organization.slug,
            "mode": api_key.mode,
            "time_zone": str(organization.time_zone),
            "default_currency": organization.default_currency,
        }
        return Response(self.OutputSerializer(data).data)
