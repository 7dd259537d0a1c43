"""The web app in a real browser, against the suite as `make run` starts it: what the
public, a secretary, a member and the committee do, live updates without a reload, and
every refusal a person must see (wrong password, forged CSRF token, another member's
archive, another branch's pledge)."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import BrowserContext, expect

from browser.conftest import Site, screenshot, sign_in

pytestmark = pytest.mark.timeout(300)

NewContext = Callable[..., BrowserContext]


def test_public_feedback_verified_by_the_secretary_updates_the_open_dashboard(
    site: Site, new_context: NewContext
) -> None:
    committee = new_context().new_page()
    sign_in(committee, site, "committee")
    expect(committee).to_have_url(f"{site.url}/dashboard")
    pending = committee.locator("#pending-feedback")
    before = int(pending.inner_text())
    committee.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
    expect(committee.locator("#chart-stars canvas")).to_have_count(1)  # ECharts, served here
    screenshot(committee, "dashboard")

    public = new_context(phone=True).new_page()
    public.goto("/")
    screenshot(public, "board-phone")
    # A pledge of the secretary's branch, not her own: nobody checks feedback on their own.
    card = public.locator("article.card", has_text="chinese").filter(has_not_text="王芳").first
    card.get_by_role("link", name="我要评价").click()
    text = f"王老师的公开课很受启发 {time.time_ns()}"
    public.fill("textarea[name=text]", text)
    public.select_option("select[name=reviewer_kind]", "parent")
    public.click("form.form button")
    expect(public.locator("p.done")).to_be_visible()  # anonymous: no contact given

    expect(pending).to_have_text(str(before + 1), timeout=20_000)

    secretary = new_context().new_page()
    sign_in(secretary, site, "m01")
    expect(secretary).to_have_url(f"{site.url}/queue")
    item = secretary.locator("article.card", has_text=text)
    screenshot(secretary, "queue")
    item.locator("input[name=note]").fill("已电话回访家长，属实")
    item.get_by_role("button", name="核实属实").click()
    expect(secretary.locator("p.done")).to_be_visible()
    expect(secretary.locator("article.card", has_text=text)).to_have_count(0)

    expect(pending).to_have_text(str(before), timeout=20_000)
    assert committee.evaluate("window.stillTheSamePage") is True


def test_a_member_pledges_and_the_secretary_approves(site: Site, new_context: NewContext) -> None:
    member = new_context().new_page()
    sign_in(member, site, "m03")
    expect(member).to_have_url(f"{site.url}/archive/m03")
    member.click("summary:has-text('作出承诺')")
    today = date.today()
    due = today.replace(day=calendar.monthrange(today.year, today.month)[1]).isoformat()
    title = f"每周家访两名学生 {time.time_ns() % 100000}"
    member.fill("textarea[name=description]", "本月走访班上困难学生家庭")
    member.fill("input[name=target1]", "完成八次家访")
    member.fill("input[name=due1]", due)
    member.click("form[action='/me/pledge'] button")  # no title: refused, nothing lost
    refused = member.locator(".refused")
    expect(refused).to_have_attribute("data-field", "title")
    expect(member.locator("textarea[name=description]")).to_have_value("本月走访班上困难学生家庭")
    expect(member.locator("input[name=target1]")).to_have_value("完成八次家访")

    member.fill("input[name=title]", title)
    member.click("form[action='/me/pledge'] button")
    expect(member.locator("p.done")).to_be_visible()
    mine = member.locator("article.card", has_text=title)
    expect(mine.locator(".status")).to_have_text("待审批")
    screenshot(member, "archive-member")

    secretary = new_context().new_page()
    sign_in(secretary, site, "m01")
    card = secretary.locator("article.card", has_text=title)
    card.locator("input[name=note]").fill("目标明确，同意")
    card.get_by_role("button", name="同意").click()
    expect(secretary.locator("p.done")).to_be_visible()

    # The member's open archive follows (WatchArchive through Server-Sent Events).
    expect(mine.locator(".status")).to_have_text("已审批", timeout=20_000)

    # A peer ballot for a colleague of the branch, this month.
    member.click("summary:has-text('自评 / 互评')")
    ballot = member.locator("form[action='/me/assessment']")
    ballot.locator("select[name=tier]").select_option("peer")
    colleague = ballot.locator("[name=member_id]")  # a list, where the member may read one
    if colleague.evaluate("node => node.tagName") == "SELECT":
        colleague.select_option("m04")
    else:
        colleague.fill("m04")
    for lead, score in (("study", "88"), ("work", "90"), ("discipline", "92"), ("devotion", "85")):
        ballot.locator(f"input[name={lead}]").fill(score)
    ballot.locator("button").click()
    expect(member.locator("p.done")).to_contain_text("互评")


def test_refusals_are_shown_and_nothing_is_done(site: Site, new_context: NewContext) -> None:
    page = new_context().new_page()
    sign_in(page, site, "m03", password="not-the-password")
    expect(page.locator(".refused")).to_have_attribute("data-field", "password")
    expect(page.locator("input[name=username]")).to_have_value("m03")

    for _ in range(5):  # guessing: after five wrong passwords for a name, a wait
        sign_in(page, site, "nobody", password="guess")
        expect(page.locator(".refused")).to_have_attribute("data-code", "UNAUTHENTICATED")
    sign_in(page, site, "nobody", password="guess")
    expect(page.locator(".refused")).to_have_attribute("data-code", "RESOURCE_EXHAUSTED")

    sign_in(page, site, "m03")
    expect(page).to_have_url(f"{site.url}/archive/m03")
    page.click("summary:has-text('自评')")
    page.eval_on_selector_all("input[name=csrf]", "nodes => nodes.forEach(n => n.value = 'forged')")
    page.fill("input[name=study]", "90")
    page.click("form[action='/me/assessment'] button")
    expect(page.locator(".refused")).to_have_attribute("data-code", "CSRF")

    response = page.goto("/archive/m05")
    assert response is not None and response.status == 403
    expect(page.locator(".refused")).to_have_attribute("data-code", "PERMISSION_DENIED")

    secretary = new_context().new_page()
    sign_in(secretary, site, "m01")
    board = new_context().new_page()
    board.goto("/")
    pledge = board.locator("article.card", has_text="science").first.get_attribute("data-pledge")
    csrf = secretary.locator("input[name=csrf]").first.input_value()
    refused = secretary.context.request.post(
        "/act/approve_pledge", form={"csrf": csrf, "pledge_id": pledge or "", "note": "x"}
    )
    assert refused.status == 403
    assert 'data-code="PERMISSION_DENIED"' in refused.text()


def test_the_committee_reads_a_closed_month_and_an_explained_archive(
    site: Site, new_context: NewContext
) -> None:
    page = new_context().new_page()
    sign_in(page, site, "committee")
    page.goto("/close")
    month = page.locator("input[name=period]").input_value()
    page.click("form[action='/close'] button")  # the demo closed it: refused, and why
    expect(page.locator(".refused")).to_have_attribute("data-field", "period")
    expect(page.locator(".refused .reason")).to_contain_text("already closed")
    expect(page.locator("input[name=period]")).to_have_value(month)
    page.goto(f"/publication/{month}")
    expect(page.locator("#digest")).to_have_text(re.compile(r"^[0-9a-f]{32,}$"))
    screenshot(page, "publication")
    page.goto(f"/archive/m02?period={month}")
    expect(page.locator("#chart-tiers canvas")).to_have_count(1)
    screenshot(page, "archive-explained")
    page.goto(f"/notice?period={month}&lang=en")
    expect(page.locator("h1")).to_contain_text("Monthly notice")
    screenshot(page, "notice-en")
