import pytest

pytestmark = pytest.mark.browser


@pytest.mark.django_db
def test_landing_page_works_on_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto("/")

    assert page.get_by_role("heading", level=1).inner_text() == "Get back the payments that failed."
    assert page.get_by_role("link", name="Read the API docs").is_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx is served from static/"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"


@pytest.mark.django_db
def test_api_docs_render_from_local_assets(page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto("/api/docs/")

    page.get_by_text("Tinko API").first.wait_for()
    assert page.get_by_text("/v1/organization").first.is_visible()
    assert all(url.startswith(page.url.split("/api/")[0]) for url in requests), requests
