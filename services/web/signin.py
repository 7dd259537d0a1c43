"""Signing in and out, invitations, and the committee's account administration."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kernel.envelope import Role
from web.accounts import Account, AccountError
from web.core import Visit, back
from web.forms import checked_form
from web.security import SESSION_COOKIE, set_cookie


def home_of(role: Role) -> str:
    return {Role.COMMITTEE: "/dashboard", Role.SECRETARY: "/queue", Role.MEMBER: "/me"}.get(
        role, "/"
    )


async def signin_page(request: Request) -> Response:
    return Visit.of(request).render(
        "signin.html", form={"next": request.query_params.get("next", "")}
    )


async def signin(request: Request) -> Response:
    visit = Visit.of(request)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    username = form.get("username", "")
    address = request.client.host if request.client else ""
    users, addresses = visit.web.throttle_users, visit.web.throttle_addresses
    wait = max(users.wait_s(username), addresses.wait_s(address))
    if wait > 0:
        form.pop("password", None)
        error = {
            "status": visit.t("尝试次数过多", "too many attempts"),
            "code": "RESOURCE_EXHAUSTED",
            "field": "password",
            "message": visit.t(
                f"密码错误次数过多，请 {int(wait) + 1} 秒后再试",
                f"too many wrong passwords: try again in {int(wait) + 1} s",
            ),
        }
        return visit.render("signin.html", 429, error=error, form=form)
    account = visit.web.accounts.check_password(username, form.get("password", ""))
    if account is None:
        users.failed(username)
        addresses.failed(address)
        error = {
            "status": visit.t("登录失败", "not signed in"),
            "code": "UNAUTHENTICATED",
            "field": "password",
            "message": visit.t("用户名或密码错误", "the user name or the password is wrong"),
        }
        form.pop("password", None)  # never sent back
        return visit.render("signin.html", 401, error=error, form=form)
    users.succeeded(username)
    return _signed_in(visit, account, form.get("next", ""))


def _signed_in(visit: Visit, account: Account, next_page: str = "") -> Response:
    lifetime = int(visit.web.settings.web_session_hours * 3600)
    session_id = visit.web.accounts.open_session(account, lifetime)
    # Back to the page that asked for a sign-in: a path of this site only.
    local = next_page.startswith("/") and not next_page.startswith(("//", "/\\"))
    response = RedirectResponse(next_page if local else home_of(account.role), 303)
    set_cookie(response, SESSION_COOKIE, session_id, max_age=lifetime)
    return response


async def signout(request: Request) -> Response:
    visit = Visit.of(request)
    _, refused = await checked_form(visit)
    if refused:
        return refused
    visit.web.accounts.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def invitation_page(request: Request) -> Response:
    return Visit.of(request).render("invite.html", form=dict(request.query_params))


async def accept_invitation(request: Request) -> Response:
    visit = Visit.of(request)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    try:
        account = visit.web.accounts.accept(
            form.get("code", ""), form.get("username", ""), form.get("password", "")
        )
    except AccountError as error:
        form.pop("password", None)
        return visit.render("invite.html", 400, error=_account_error(visit, error), form=form)
    return _signed_in(visit, account)


def _account_error(visit: Visit, error: AccountError) -> dict[str, str]:
    return {
        "status": visit.t("填写有误", "not accepted"),
        "code": "INVALID_ARGUMENT",
        "field": error.field,
        "message": str(error),
    }


async def admin_page(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    return _admin(visit)


def _admin(visit: Visit, status: int = 200, **context: object) -> Response:
    return visit.render("admin.html", status, accounts=visit.web.accounts.accounts(), **context)


async def create_account(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    assert visit.account is not None
    try:
        if form.get("kind") == "invitation":
            code = visit.web.accounts.invite(
                _role(form),
                form.get("member_id", ""),
                form.get("branch_id", ""),
                visit.account.username,
            )
            return _admin(visit, invitation=code)
        visit.web.accounts.create(
            form.get("username", ""),
            form.get("password", ""),
            _role(form),
            member_id=form.get("member_id", ""),
            branch_id=form.get("branch_id", ""),
            created_by=visit.account.username,
        )
    except AccountError as error:
        form.pop("password", None)
        return _admin(visit, 400, error=_account_error(visit, error), form=form)
    return back("/admin", "account")


def _role(form: dict[str, str]) -> Role:
    try:
        return Role(form.get("role", ""))
    except ValueError:
        raise AccountError("role", "member, secretary or committee") from None


def forbidden(visit: Visit) -> Response:
    """A page of another role: sign in first, or a refusal once signed in."""
    if visit.account is None:
        return RedirectResponse(f"/signin?next={visit.request.url.path}", 303)
    return visit.render(
        "error.html",
        403,
        error={
            "status": visit.t("无权访问", "not permitted"),
            "code": "PERMISSION_DENIED",
            "field": "",
            "message": visit.t(
                f"此页面不对{visit.role.value}角色开放",
                f"this page is not for the role {visit.role.value}",
            ),
        },
    )
