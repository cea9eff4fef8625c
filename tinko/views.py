from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from tinko.api import is_api_path, not_found_json, server_error_json
from tinko.health import readiness_check


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


@cache_control(max_age=86400, public=True)
@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico where a page names no icon (the admin, files): the SVG icon.
    Not permanent, so a new static file name (its hash changes with it) is picked up within a day."""
    return HttpResponseRedirect(static("img/favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No I/O."""
    return JsonResponse({"ok": True})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and the broker answer; 503 names what failed."""
    readiness = readiness_check()
    body: dict[str, object] = {
        "ok": readiness.ok,
        "checks": readiness.checks,
        "worker_last_seen": readiness.worker_last_seen.isoformat() if readiness.worker_last_seen else None,
    }
    if not readiness.ok:
        body["failed"] = sorted(name for name, result in readiness.checks.items() if result != "ok")
    return JsonResponse(body, status=200 if readiness.ok else 503)


# API clients carry no CSRF cookie: a POST to an unknown API path is a 404 in the envelope, not
# Django's HTML CSRF refusal.
@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return not_found_json(request)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception)}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return not_found_json(request)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return server_error_json()
    return render(request, "500.html", status=500)
