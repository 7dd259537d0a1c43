"""Who reads what of the read model: members their own pledges, secretaries their branch's,
the committee (and services) the school's; the public the published pledges of any school.
Contacts of feedback givers only reach the branch that decides the feedback."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.vocabulary import Lead
from kernel import validation as v
from kernel.auth import Principal, require_role, require_school
from kernel.envelope import Role
from kernel.errors import PermissionDenied
from pledges.authority import as_reader
from pledges.domain.ports import ContactBook
from pledges.readmodel.documents import Document
from pledges.readmodel.queries import Page, PledgesQueries

READERS = (Role.MEMBER, Role.SECRETARY, Role.COMMITTEE, Role.SERVICE)
BRANCH_READERS = (Role.SECRETARY, Role.COMMITTEE, Role.SERVICE)


@dataclass(frozen=True)
class Owned:
    member_id: str
    branch_id: str


def page_of(size: int, token: str) -> Page:
    return Page(v.page_size(size), token)


class PledgesReader:
    def __init__(self, queries: PledgesQueries, contacts: ContactBook) -> None:
        self.queries = queries
        self.contacts = contacts

    def pledge(self, principal: Principal, school_id: str, pledge_id: str) -> Document:
        require_school(principal, school_id)
        document = self.queries.pledge(school_id, v.identifier(pledge_id, "pledge_id"))
        as_reader(principal, Owned(document["member_id"], document["branch_id"]))
        return document

    def pledges(
        self, principal: Principal, school_id: str, filters: dict[str, str], page: Page
    ) -> tuple[list[Document], str]:
        require_school(principal, school_id)
        require_role(principal, *READERS)
        return self.queries.pledges(school_id, self._scoped(principal, filters), page)

    def feedback(
        self, principal: Principal, school_id: str, filters: dict[str, str], page: Page
    ) -> tuple[list[Document], str]:
        require_school(principal, school_id)
        require_role(principal, *READERS)
        documents, token = self.queries.feedback_page(
            school_id, self._scoped(principal, filters), page
        )
        for document in documents:
            shown = principal.role in BRANCH_READERS and document["status"] == "pending"
            document["contact"] = (
                self.contacts.contact_of(school_id, document["feedback_id"]) if shown else ""
            )
        return documents, token

    def board(
        self, principal: Principal, school_id: str, branch_id: str, lead: str, page: Page
    ) -> tuple[list[Document], str]:
        """Anyone, without a token too; a token's school must be the one asked for."""
        v.identifier(school_id, "school_id")
        if principal.school_id is not None:
            require_school(principal, school_id)
        v.optional_identifier(branch_id, "branch_id")
        if lead:
            v.choice(lead, Lead, "lead")
        filters = {"branch_id": branch_id, "lead": lead}
        return self.queries.pledges(school_id, filters, page, public=True)

    @staticmethod
    def _scoped(principal: Principal, filters: dict[str, str]) -> dict[str, str]:
        """A member sees only their own, a secretary only their branch."""
        scoped = dict(filters)
        if principal.role is Role.MEMBER:
            if filters.get("member_id", principal.subject) not in ("", principal.subject):
                raise PermissionDenied("a member lists only their own", field="member_id")
            scoped["member_id"] = principal.subject
        elif principal.role is Role.SECRETARY:
            if principal.branch_id is None:
                raise PermissionDenied("a secretary's token must name their branch")
            if filters.get("branch_id", "") not in ("", principal.branch_id):
                raise PermissionDenied(
                    f"a secretary lists only branch {principal.branch_id}", field="branch_id"
                )
            scoped["branch_id"] = principal.branch_id
        return scoped
