"""What every page handler has at hand: the `Web` (settings, the SDK's channels, the
account store, CSRF, templates) and, per request, the `Visit` (who is signed in, the SDK
acting as them, the language)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kernel.envelope import Role
from vanguard_sdk import Vanguard, VanguardError
from web.accounts import Account, AccountStore
from web.cache import PageCache
from web.i18n import labeller, language, status_name, translator
from web.security import SESSION_COOKIE, Csrf
from web.settings import WebSettings
from web.throttle import ADDRESS_LIMIT, SignInThrottle
from web.tokens import WebTokens

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Web:
    settings: WebSettings
    vanguard: Vanguard  # the channels; `Visit.client` and `Visit.public` act for the person
    accounts: AccountStore
    csrf: Csrf
    cache: PageCache
    throttle_users: SignInThrottle = field(default_factory=SignInThrottle)
    throttle_addresses: SignInThrottle = field(
        default_factory=lambda: SignInThrottle(limit=ADDRESS_LIMIT)
    )
    templates: Jinja2Templates = field(
        default_factory=lambda: Jinja2Templates(directory=str(TEMPLATES))
    )

    def tokens_for(self, account: Account) -> WebTokens:
        settings = self.settings
        return WebTokens.for_account(
            settings.token_secret.get_secret_value(),
            settings.web_school,
            settings.web_token_ttl_seconds,
            account,
        )

    def visitor_tokens(self, address: str) -> WebTokens:
        settings = self.settings
        return WebTokens.for_visitor(
            settings.token_secret.get_secret_value(),
            settings.web_school,
            settings.web_token_ttl_seconds,
            address,
        )


@dataclass
class Visit:
    web: Web
    request: Request
    account: Account | None
    client: Vanguard  # as the signed-in user (as the visitor when nobody is signed in)
    public: Vanguard  # as the visitor: the public methods, whoever is signed in
    lang: str

    @classmethod
    def of(cls, request: Request) -> Visit:
        web: Web = request.app.state.web
        account = web.accounts.session(request.cookies.get(SESSION_COOKIE, ""))
        address = request.client.host if request.client else ""
        public = web.vanguard.acting_as(web.visitor_tokens(address))
        client = web.vanguard.acting_as(web.tokens_for(account)) if account else public
        return cls(web, request, account, client, public, language(request))

    def t(self, zh: str, en: str) -> str:
        """The page's language's words (as templates write them)."""
        return translator(self.lang)(zh, en)

    @property
    def reader(self) -> str:
        """Who the services are asked as: the cache keeps what each reader was shown apart."""
        if self.account is None:
            return "visitor"  # public reads are the same for every visitor
        return f"{self.account.role.value}:{self.account.subject}:{self.account.branch_id}"

    @property
    def fresh(self) -> bool:
        """A live page fetching itself after a change: read anew, not from the cache."""
        return self.request.headers.get("x-live") == "1"

    async def cached(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        return await self.web.cache.get(self.reader, key, load, fresh=self.fresh)

    @property
    def as_member(self) -> Vanguard:
        """For what a person does as a member of their branch (pledge, report, assess): a
        secretary acts with a member's token then, the narrower role, as a member would."""
        account = self.account
        if account is None or account.role is not Role.SECRETARY:
            return self.client
        settings = self.web.settings
        tokens = WebTokens(
            settings.token_secret.get_secret_value(),
            settings.web_school,
            settings.web_token_ttl_seconds,
            subject=account.member_id,
            role=Role.MEMBER,
        )
        return self.web.vanguard.acting_as(tokens)

    def changed(self) -> None:
        """After this user's command: their next pages read anew."""
        self.web.cache.forget(self.reader)

    @property
    def role(self) -> Role:
        return self.account.role if self.account else Role.PUBLIC

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", None)
        context.setdefault("form", {})
        context.setdefault("live", "")
        context.update(
            request=self.request,
            user=self.account,
            role=self.role.value,
            lang=self.lang,
            t=translator(self.lang),
            label=labeller(self.lang),
            csrf=self.web.csrf.token(self.request),
            school=self.web.settings.web_school,
            today=date.today(),
            key=secrets.token_urlsafe(12),  # a form's idempotency key (forms.visible)
            switch_url=self._switch_url(),
        )
        return self.web.templates.TemplateResponse(
            self.request, template, context, status_code=status_code
        )

    def _switch_url(self) -> str:
        """This page in the other language (the rest of its query kept)."""
        url = self.request.url.include_query_params(lang="zh" if self.lang == "en" else "en")
        return f"{url.path}?{url.query}"

    def refused(self, error: VanguardError) -> dict[str, str]:
        """A refused call as a page shows it: what kind, the field at fault, the reason."""
        message = error.message
        if error.field and message.startswith(f"{error.field}: "):
            message = message[len(error.field) + 2 :]
        return {
            "status": status_name(self.lang, error.code.name),
            "code": error.code.name,
            "field": error.field or "",
            "message": message,
        }


def status_of(error: VanguardError) -> int:
    """The HTTP status of a page that shows a refused call."""
    return {
        "PERMISSION_DENIED": 403,
        "UNAUTHENTICATED": 401,
        "NOT_FOUND": 404,
        "RESOURCE_EXHAUSTED": 429,
        "UNAVAILABLE": 503,
        "ABORTED": 409,
        "FAILED_PRECONDITION": 409,
    }.get(error.code.name, 400)


def back(path: str, note: str = "") -> Response:
    """After a POST that worked: see the page again (303), with a note of what was done."""
    return RedirectResponse(
        f"{path}{'&' if '?' in path else '?'}done={note}" if note else path, 303
    )
