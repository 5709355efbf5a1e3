"""embed.js on another website, in a real browser (Debian's Chromium via Playwright): the host
page is served from another origin (127.0.0.1 while the live server is localhost, so another
site too: none of our cookies reach the frame) with its own strict Content-Security-Policy
and its own script. The frame grows to its content, the visitor books inside it and sees the
confirmation; the popup opens and closes from the keyboard; a website the coach did not list
cannot frame the pages."""

import re
import threading
from datetime import date, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "I would like to talk about changing careers and where to start."
HOST_SCRIPT = b"window.hostScriptRan = true; var TEXTS = 'the host page has globals of its own';"


class HostSite:
    """A website on another origin that embeds us: GET / answers `html` with `policy`."""

    def __init__(self):
        self.html = ""
        self.policy = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/host.js":
                    body, kind = HOST_SCRIPT, "text/javascript"
                else:
                    body, kind = site.html.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy", site.policy)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, live_url: str, tags: str) -> str:
        # Scripts only from the host itself and from us, frames only from us, no inline anything.
        self.policy = (
            f"default-src 'none'; script-src 'self' {live_url}; frame-src {live_url}; style-src 'self'; img-src 'self'"
        )
        self.html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Anna's website</title>
<script src="/host.js"></script></head><body><h1>Anna Beispiel, coaching</h1><p>Book a first talk:</p>
{tags}<footer><p>The end of Anna's page.</p></footer></body></html>"""
        return self.url + "/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_site():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def anna_type(db):
    day = date.today() + timedelta(days=3)
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(11))
    return AppointmentTypeFactory(
        coach=coach,
        slug="erstgespraech",
        name="Erstgespräch",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        minimum_notice=timedelta(0),
    )


def script_tag(live_url: str, **data) -> str:
    attributes = " ".join(f'data-{name}="{value}"' for name, value in data.items())
    return f'<script src="{live_url}/embed.js" {attributes} defer></script>'


def frame_height(page) -> float:
    return page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")


def test_inline_frame_grows_to_its_content_and_books_inside(page, live_server, host_site, anna_type):
    from playwright.sync_api import expect

    tags = script_tag(live_server.url, coach="anna", type="erstgespraech", mode="inline", lang="en")
    # The script loaded twice (the snippet, and a plugin that loads it once more): one frame;
    # each tag with data-coach is one place to embed, embedded once.
    address = host_site.serve(live_server.url, tags + f'\n<script src="{live_server.url}/embed.js"></script>')
    page.goto(address)
    assert page.evaluate("window.hostScriptRan") is True
    page.evaluate("window.SprechzeitEmbed.scan()")
    expect(page.locator("iframe")).to_have_count(1)
    # Right after its script tag, before the rest of the host's page.
    assert page.evaluate("document.querySelector('script[data-coach]').nextElementSibling.tagName") == "IFRAME"

    frame = page.frame_locator("iframe")
    expect(frame.locator("h1")).to_have_text("Erstgespräch")
    # The frame's height follows its document (embed.js starts it at 640px).
    page.wait_for_function("document.querySelector('iframe').style.height !== '640px'")
    inner = page.frames[1]
    content = inner.evaluate("document.documentElement.getBoundingClientRect().height")
    assert abs(frame_height(page) - content) <= 2

    # The visitor picks a day and a time inside the frame.
    frame.locator("table.month td.free a").first.click()
    expect(frame.locator(".slots a").first).to_be_visible()
    before = frame_height(page)
    frame.locator(".slots a").first.click()
    expect(frame.get_by_label("Your name")).to_be_visible()
    page.wait_for_function(f"document.querySelector('iframe').getBoundingClientRect().height > {before + 50}")
    assert "embed=1" in page.frames[1].url

    frame.get_by_label("Your name").fill("Erika Mustermann")
    frame.get_by_label("Your e-mail address").fill("erika@example.org")
    frame.get_by_label("Your personal message").fill(MESSAGE)
    frame.get_by_role("radio", name=re.compile(r"^Threema")).check()
    frame.get_by_label("Your Threema ID").fill("ABCD1234")
    frame.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    frame.get_by_role("button", name="Book this time").click()

    # No cookie reached the frame (another site), yet the booking is made, and its
    # confirmation shows inside the frame; the booking's own page opens in a new tab.
    expect(frame.get_by_role("heading", name="Thank you – your booking is in")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.client.email == "erika@example.org"
    expect(frame.get_by_text(booking.get_status_display(), exact=True)).to_be_visible()
    link = frame.get_by_role("link", name="Open your booking's page (new tab)")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", re.compile(rf"/b/{booking.token}/$"))
    assert page.url == address  # the host page itself never navigated


def test_popup_opens_a_dialog_and_escape_closes_it(page, live_server, host_site, anna_type):
    from playwright.sync_api import expect

    tags = script_tag(live_server.url, coach="anna", mode="popup", label="Book a first talk", lang="en")
    page.goto(host_site.serve(live_server.url, tags))
    button = page.get_by_role("button", name="Book a first talk")
    expect(page.locator("iframe")).to_have_count(0)  # nothing loads before someone asks

    button.click()
    dialog = page.get_by_role("dialog", name="Book a first talk")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="Close")).to_be_focused()
    expect(page.frame_locator("iframe").get_by_role("link", name="Erstgespräch", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()

    # Escape inside the frame closes it too; the frame is kept for the next opening.
    button.click()
    expect(dialog).to_be_visible()
    page.frame_locator("iframe").locator("h1").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    expect(page.locator("iframe")).to_have_count(1)


def test_a_website_the_coach_did_not_list_cannot_frame_the_pages(page, live_server, host_site, anna_type):
    from playwright.sync_api import expect

    coach = anna_type.coach
    coach.embed_origins = "https://www.anna-beispiel.example"
    coach.save()
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refused:
        page.goto(host_site.serve(live_server.url, script_tag(live_server.url, coach="anna", mode="inline")))
    assert "https://www.anna-beispiel.example" in refused.value.text
    expect(page.locator("iframe")).to_have_count(1)
    # The frame holds the browser's error page, not ours.
    inner = page.frames[1]
    for _ in range(50):
        if inner.url.startswith("chrome-error://"):
            break
        page.wait_for_timeout(100)
    assert inner.url.startswith("chrome-error://"), inner.url
    assert "Anna Beispiel" not in inner.content()

    # Listed, the same website may.
    coach.embed_origins = host_site.url
    coach.save()
    page.reload()
    expect(page.frame_locator("iframe").locator("h1")).to_contain_text("Anna Beispiel")
