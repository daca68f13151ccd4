"""The web page in a real browser: sign in, see an incident, work it in its room, live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.opsroom_process import Opsroom, run_opsroom
from tests.e2e.peers import require_binary

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
PASSWORD = "carol-correct-horse"
XSS_TITLE = "<img src=x onerror=window.__xss=1> Checkout down"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = require_binary(CHROMIUM, "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, opsroom: Opsroom, password: str) -> None:
    page.locator("#username").fill("carol")
    page.locator("#password").fill(password)
    page.locator("#login-form button[type=submit]").click()


def say_as(opsroom: Opsroom, token: str, room: str, text: str) -> None:
    with httpx.Client(
        base_url=opsroom.url, timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        response = client.post(f"/api/v1/rooms/{room}/messages", json={"text": text})
        assert response.status_code == 201, response.text


def send(page: Page, text: str) -> None:
    box = page.locator("#input")
    expect(box).to_be_enabled()
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def test_sign_in_and_work_an_incident_in_the_browser(
    tmp_path: Path, database_url: str, page: Page
) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    with run_opsroom(tmp_path, database_url) as opsroom:
        opsroom.cli("user", "add", "carol", "--password", PASSWORD)

        # Signed out, the home page sends us to the sign-in page.
        page.goto(f"{opsroom.url}/")
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.locator("#login-error")).to_be_hidden()

        sign_in(page, opsroom, "not-the-password")
        expect(page).to_have_url(re.compile(r"/login\?error=1"))
        expect(page.locator("#login-error")).to_be_visible()
        expect(page.locator("#login-error")).to_have_text("Wrong user name or password")

        sign_in(page, opsroom, PASSWORD)
        expect(page).to_have_url(f"{opsroom.url}/")
        expect(page.locator("#me")).to_have_text("carol")

        # An incident declared through the API shows up on the (self-refreshing) home page.
        with opsroom.client() as client:
            response = client.post("/api/v1/incidents", json={"title": XSS_TITLE, "severity": 2})
            assert response.status_code == 201, response.text
            incident = response.json()
        number, room = incident["number"], incident["room"]
        row = page.locator("#inc-body tr", has_text=f"INC-{number}")
        expect(row.locator("td.title-cell")).to_have_text(XSS_TITLE)
        expect(row.locator(".badge").first).to_have_text("SEV2")
        expect(page.locator("#inc-body img")).to_have_count(0)
        assert page.evaluate("typeof window.__xss") == "undefined"

        row.get_by_role("link", name=f"INC-{number}", exact=True).click()
        expect(page).to_have_url(f"{opsroom.url}/rooms/{room}")
        expect(page.locator("#room-name")).to_have_text(f"#{room}")
        expect(page.locator("#live")).to_have_text("live")
        expect(page.locator("#banner")).to_be_hidden()
        assert page.evaluate("typeof window.__xss") == "undefined"

        # A command typed in the room gets the bot's reply.
        messages = page.locator("#messages li")
        send(page, "/inc ack")
        expect(messages.filter(has_text="/inc ack").locator(".msg-author")).to_have_text("carol")
        expect(
            page.locator("#messages li.msg-bot", has_text=f"carol acknowledged INC-{number}")
        ).to_be_visible()

        # Someone else's message arrives over server-sent events, without a reload.
        page.evaluate("window.__sameDocument = true")
        dave = opsroom.cli("token", "create", "--user", "dave").strip()
        say_as(opsroom, dave, room, "checkout-api pods are crash-looping")
        said = messages.filter(has_text="checkout-api pods are crash-looping")
        expect(said).to_have_count(1)
        expect(said.locator(".msg-author")).to_have_text("dave")
        assert page.evaluate("window.__sameDocument") is True
        page.screenshot(path=tmp_path / "room.png")

        # Resolving archives the room.
        send(page, "/inc resolve done")
        expect(
            page.locator("#messages li", has_text="This room is now archived and read-only")
        ).to_be_visible()
        # The page learns that a room is archived only when it loads the room.
        page.reload()
        expect(page.locator("#banner")).to_be_visible()
        expect(page.locator("#banner")).to_have_text("This room is archived (read-only)")
        expect(page.locator("#banner")).to_have_class(re.compile(r"\bbanner-archived\b"))
        expect(page.locator("#input")).to_be_disabled()
        expect(page.locator("#send")).to_be_disabled()
        expect(page.locator("#room-badges")).to_contain_text("archived")
        expect(messages.filter(has_text="checkout-api pods are crash-looping")).to_have_count(1)
        page.screenshot(path=tmp_path / "room-archived.png")

    assert page_errors == []
