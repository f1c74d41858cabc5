"""The local workspace in a real browser: headless Chromium drives the page `kpibot local` opens,
with the real kpibot behind it over HTTP and the demo company in the database.

A person types `/kpi log ...` and sees the reply; opens the Home tab, presses "Log value",
submits the modal and sees the confirmation; and runs Monday's scheduled work from the clock
control, opens the reminder DM, presses "Log value" there and submits. Each test leaves a screenshot in test-artifacts/ and prints its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from bot.local import demo
from bot.local.stack import LocalStack
from bot.settings import load_settings
from storage import repo
from storage.db import session_scope
from tests.e2e.browser import PHONE, OutsideRequests, launched, page_context, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page

pytestmark = pytest.mark.e2e
LEO, SAM = "U0DEMOLEO", "U0DEMOSAM"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with launched() as running:
        yield running


@pytest.fixture
def stack(engine: Engine) -> Iterator[LocalStack]:
    with LocalStack(load_settings(env_file=None), engine) as running:
        yield running


@pytest.fixture
def page(browser: Browser, stack: LocalStack) -> Iterator[Page]:
    from playwright.sync_api import expect

    with page_context(browser) as (context, outside):
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(stack.url)
        expect(page.locator("#team-name")).to_have_text(demo.TEAM_NAME)
        yield page
        assert errors == [], f"the page threw: {errors}"
        _no_outside(outside)


def _no_outside(outside: OutsideRequests) -> None:
    assert outside.refused == [], f"the page tried to leave 127.0.0.1: {outside.refused}"


def act_as(page: Page, user_id: str) -> None:
    from playwright.sync_api import expect

    page.select_option("#user-select", user_id)
    expect(page.locator("#user-select")).to_have_value(user_id)


def type_in(page: Page, text: str) -> None:
    box = page.locator("#composer textarea")
    box.fill(text)
    box.press("Enter")


def test_kpi_log_typed_in_a_channel_gets_its_reply(
    page: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    act_as(page, LEO)
    page.click("a[data-conversation=C0DEMOSALES]")
    expect(page.locator("#conversation-title")).to_have_text("# sales")
    type_in(page, "/kpi log pipeline 3.2M strong week <!channel>")
    reply = page.locator(".message.ephemeral").filter(has_text="Logged")
    expect(reply).to_contain_text("Logged $3.2M for Qualified pipeline")
    expect(reply).to_contain_text("Only visible to you")
    expect(reply).to_contain_text("strong week <!channel>")  # escaped by kpibot, shown as typed
    expect(reply.locator(".mention.special")).to_have_count(0)  # and it pings nobody
    expect(page.locator("#composer textarea")).to_have_value("")

    type_in(page, "/kpi show pipeline")
    card = page.locator(".message.ephemeral").filter(has_text="Recent values")
    expect(card.locator(".section-fields")).to_contain_text("Target")
    expect(card.locator("img.block-image-img")).to_be_visible()  # the chart, uploaded to Slack
    assert card.locator("img.block-image-img").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "browser-kpi-log-in-channel", capsys)


def test_home_tab_log_value_modal_is_submitted_and_confirmed(
    page: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#app-tabs .tab.active")).to_have_text("Home")
    home = page.locator("#home-pane")
    expect(home).to_contain_text("Your KPIs")
    expect(home).to_contain_text("Grow ARR from $8M to $12M")  # the goal tree
    home.get_by_role("button", name="Log value").first.click()

    modal = page.locator(".modal")
    expect(modal.locator("h2")).to_have_text("Log value")
    modal.locator("[data-action-id=value]").fill("12 apples")
    modal.get_by_role("button", name="Log").click()
    expect(modal.locator(".input-error")).to_be_visible()  # kpibot's field error, in place

    modal.locator("[data-action-id=value]").fill("301k")
    modal.locator("[data-action-id=note]").fill("two renewals & one upsell")
    screenshot(page, "browser-log-value-modal", capsys)
    modal.get_by_role("button", name="Log").click()
    expect(modal).to_contain_text("Logged $301k for New ARR booked")
    expect(modal).to_contain_text("Note: two renewals & one upsell")
    screenshot(page, "browser-log-value-confirmed", capsys)
    modal.get_by_role("button", name="Done").click()
    expect(page.locator("#modal-layer")).to_be_hidden()

    with session_scope(stack.engine) as session:
        kpi = repo.get_kpi(session, "new-arr")
        assert kpi is not None
        assert repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0].value == 301_000


def run_scheduled_work(page: Page, at: str, *, opened: bool = False) -> None:
    """The clock control: run every job as of `at` (the acting person's local time)."""
    from playwright.sync_api import expect

    if not opened:
        page.click("#clock-button")
    panel = page.locator("#clock-panel")
    expect(panel.locator(".job").first).to_be_visible()
    panel.locator("#clock-at").fill(at)
    panel.locator("#clock-run").click()
    expect(panel.locator("#clock-status")).to_contain_text("Done")
    expect(panel.locator("#clock-results li.failed")).to_have_count(0)
    expect(page.locator("#clock-button")).to_contain_text("(moved)")
    page.click("#clock-close")


def log_from_reminder(page: Page, kpi_name: str, value: str) -> None:
    """Open kpibot's messages, press the reminder's "Log value", submit the modal."""
    from playwright.sync_api import expect

    app = page.locator("a[data-conversation=app]")
    expect(app).to_have_class("conversation unread")  # the reminder arrived
    app.click()
    page.locator("#app-tabs .tab", has_text="Messages").click()
    reminder = page.locator(".message").filter(has_text=kpi_name)
    expect(reminder).to_contain_text("is due")
    reminder.get_by_role("button", name="Log value").first.click()
    modal = page.locator(".modal")
    expect(modal.locator("h2")).to_have_text("Log value")
    modal.locator("[data-action-id=value]").fill(value)
    modal.get_by_role("button", name="Log").click()
    expect(modal).to_contain_text(f"for {kpi_name}")
    expect(modal).to_contain_text("Logged")


def test_monday_reminder_dm_log_value_from_the_clock_control(
    page: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    act_as(page, SAM)
    page.click("a[data-conversation=C0DEMOMRKT]")
    run_scheduled_work(page, _next_monday(stack.now(), "Europe/Berlin", "10:30"))
    log_from_reminder(page, "Marketing-qualified leads", "97")
    expect(page.locator(".modal")).to_contain_text("Logged 97 leads")
    screenshot(page, "browser-reminder-logged", capsys)
    page.locator(".modal").get_by_role("button", name="Done").click()
    reminder = page.locator(".message").filter(has_text="Marketing-qualified leads")
    # The demo's leads are late for the week before too: the DM, updated in place, says so
    # and offers it, and only says All done once nothing is missing (issue 13, item 2).
    expect(reminder).to_contain_text("Still without a value")
    expect(reminder.locator(".edited")).to_be_visible()
    reminder.get_by_role("button", name="Log value").last.click()
    modal = page.locator(".modal")
    modal.locator("[data-action-id=value]").fill("95")
    modal.get_by_role("button", name="Log").click()
    expect(modal).to_contain_text("Logged 95 leads")
    modal.get_by_role("button", name="Done").click()
    expect(reminder).to_contain_text("All done")


def test_the_digest_updates_when_the_reminded_value_is_logged(
    page: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    act_as(page, SAM)
    page.click("a[data-conversation=C0DEMOMRKT]")
    run_scheduled_work(page, _next_monday(stack.now(), "Europe/Berlin", "10:30"))
    digest = page.locator("#messages .message").filter(has_text="Marketing-qualified leads")
    expect(digest).to_contain_text("missing")
    expect(digest.locator("img.block-image-img")).to_be_visible()  # the team chart

    log_from_reminder(page, "Marketing-qualified leads", "97")
    page.locator(".modal").get_by_role("button", name="Done").click()
    page.click("a[data-conversation=C0DEMOMRKT]")
    run_scheduled_work(page, _next_monday(stack.now(), "Europe/Berlin", "11:00"))
    expect(digest).to_contain_text("97 leads")
    expect(digest).not_to_contain_text("missing")
    expect(digest.locator(".edited")).to_be_visible()
    assert digest.locator("img.block-image-img").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "browser-digest-updated", capsys)


def _next_monday(now: datetime, tz: str, at: str) -> str:
    """`at` on the next Monday in `tz` (today, if it is Monday and earlier), for the input."""
    local = now.astimezone(ZoneInfo(tz))
    days = (7 - local.weekday()) % 7
    if days == 0 and local.strftime("%H:%M") >= at:
        days = 7
    monday = local.date() + timedelta(days=days)
    return f"{monday.isoformat()}T{at}"


# --- the page on a phone ---------------------------------------------------------------------------


@pytest.fixture
def phone(browser: Browser, stack: LocalStack) -> Iterator[Page]:
    """The page at 390x844 CSS pixels, a phone held upright."""
    from playwright.sync_api import expect

    with page_context(browser, PHONE) as (context, outside):
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(stack.url)
        expect(page.locator("#conversation-title")).not_to_be_empty()
        yield page
        assert errors == [], f"the page threw: {errors}"
        _no_outside(outside)


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not on screen"
    return found


def assert_fits_the_screen(page: Page) -> None:
    """Nothing scrolls sideways, and the conversation has the screen's width, not a strip."""
    width = PHONE["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width} px screen"
    assert box(page, "#main")["width"] >= 0.9 * width


def assert_no_name_breaks_per_letter(page: Page, selector: str) -> None:
    """A name squeezed into a sliver wraps one letter per line. Each element shown must be at
    least as wide as its widest word (up to 24 characters: a long URL may break), measured in
    the element's own font."""
    for index, element in enumerate(page.locator(selector).all()):
        if not element.is_visible():
            continue
        measured = element.evaluate(
            """e => {
                const pen = document.createElement("canvas").getContext("2d");
                pen.font = getComputedStyle(e).font;
                const words = e.innerText.split(/\\s+/).filter((w) => w && w.length <= 24);
                const widths = words.map((w) => [w, pen.measureText(w).width]);
                const [word, widest] = widths.reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0]);
                return { word, widest, width: e.getBoundingClientRect().width };
            }"""
        )
        assert measured["width"] + 1 >= measured["widest"], (
            f"{selector} #{index}: {measured['word']!r} needs {measured['widest']:.0f} px "
            f"but has {measured['width']:.0f} px, so it breaks mid-word"
        )


def test_on_a_phone_the_sidebar_is_a_drawer_and_nothing_is_squeezed(
    phone: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    page = phone
    expect(page.locator("#home-pane")).to_contain_text("Your KPIs")
    sidebar = page.locator("#sidebar")
    expect(sidebar).not_to_be_in_viewport()  # it gives the screen to the conversation
    assert_fits_the_screen(page)
    assert_no_name_breaks_per_letter(page, "#home-pane .block-header, #conversation-title")
    screenshot(page, "browser-phone-home", capsys)

    page.click("#sidebar-toggle")  # the drawer, from the top bar
    expect(sidebar).to_be_in_viewport()
    assert box(page, "#sidebar")["width"] <= 0.85 * PHONE["width"]
    assert_no_name_breaks_per_letter(page, "#sidebar .conversation")
    screenshot(page, "browser-phone-drawer", capsys)
    page.click("a[data-conversation=C0DEMOSALES]")
    expect(page.locator("#conversation-title")).to_have_text("# sales")
    expect(sidebar).not_to_be_in_viewport()  # picking a conversation closes it

    act_as(page, LEO)
    type_in(page, "/kpi show pipeline")
    card = page.locator(".message.ephemeral").filter(has_text="Recent values")
    chart = card.locator("img.block-image-img")
    expect(chart).to_be_visible()
    assert box(page, ".message.ephemeral img.block-image-img")["width"] >= 300
    assert_fits_the_screen(page)
    assert_no_name_breaks_per_letter(page, ".message .author, .message .block-header")
    screenshot(page, "browser-phone-card", capsys)


def test_on_a_phone_the_digest_chart_keeps_a_readable_width(
    phone: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    page = phone
    act_as(page, SAM)
    page.goto(f"{stack.url}#/C0DEMOMRKT")
    expect(page.locator("#conversation-title")).to_have_text("# marketing")
    page.click("#clock-button")
    panel = page.locator("#clock-panel")
    expect(panel).to_be_in_viewport(ratio=1)  # the whole panel, not cut at the right edge
    run_scheduled_work(page, _next_monday(stack.now(), "Europe/Berlin", "10:30"), opened=True)
    digest = page.locator("#messages .message").filter(has_text="Marketing-qualified leads")
    chart = digest.locator("img.block-image-img").first
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    found = chart.bounding_box()
    assert found is not None
    assert found["width"] >= 300, f"the digest chart is {found['width']:.0f} px wide"
    assert found["height"] >= 120, f"the digest chart is {found['height']:.0f} px tall"
    assert_fits_the_screen(page)
    assert_no_name_breaks_per_letter(page, "#messages .author, #messages .block-header")
    screenshot(page, "browser-phone-digest", capsys)


# --- the clock control -----------------------------------------------------------------------------


def test_running_the_jobs_shows_progress_and_says_what_happened(
    page: Page, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    act_as(page, SAM)
    page.click("a[data-conversation=C0DEMOMRKT]")
    page.click("#clock-button")
    panel = page.locator("#clock-panel")
    expect(panel.locator(".job").first).to_be_visible()
    berlin = stack.now().astimezone(ZoneInfo("Europe/Berlin")).date()
    monday = berlin + timedelta(days=(7 - berlin.weekday()) % 7 or 7)  # after today
    suggested = f"{monday.isoformat()}T10:30"
    expect(panel.locator("#clock-at")).to_have_value(suggested)
    # Every line the progress line showed, however briefly.
    page.evaluate(
        """() => {
            window.clockStatuses = [];
            const status = document.getElementById("clock-status");
            new MutationObserver(() => window.clockStatuses.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
        }"""
    )
    panel.locator("#clock-run").click()
    results = panel.locator("#clock-results")
    expect(results).to_contain_text("Reminded Sam Keller")  # who was reminded
    expect(results).to_contain_text("Posted in #marketing")  # where the digest went
    expect(panel.locator("#clock-status")).to_contain_text("Done")
    statuses = " | ".join(page.evaluate("window.clockStatuses"))
    jobs = panel.locator(".job").count()
    assert f"Running reminders (1 of {jobs})" in statuses, statuses
    assert f"Running digests (2 of {jobs})" in statuses, statuses
    text = results.inner_text()
    for internal in ("stale", "new periods", "steps"):
        assert internal not in text, text
    screenshot(page, "browser-clock-report", capsys)

    page.click("#clock-close")
    page.click("#clock-button")  # reopened: the same Monday, not one more week ahead
    expect(panel.locator("#clock-at")).to_have_value(suggested)

    panel.locator("#clock-reset").click()
    expect(page.locator("#clock-button")).not_to_contain_text("(moved)")
    digest = page.locator("#messages .message").filter(has_text="Marketing-qualified leads")
    expect(digest).to_have_count(0)  # posted ahead of real time: undone
