"""The web app's accounts on a real SQLite file: Argon2 hashes, sessions, invitations."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.envelope import Role
from web.accounts import AccountError, AccountStore
from web.demo_accounts import read, seed


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "accounts.db")


def test_a_password_is_stored_hashed_and_only_the_right_one_signs_in(
    store: AccountStore, tmp_path: Path
) -> None:
    store.create("m03", "correct horse", Role.MEMBER, member_id="m03", branch_id="chinese")
    assert b"correct horse" not in (tmp_path / "accounts.db").read_bytes()
    account = store.check_password("m03", "correct horse")
    assert account is not None and (account.role, account.subject) == (Role.MEMBER, "m03")
    assert store.check_password("m03", "wrong horse") is None
    assert store.check_password("nobody", "correct horse") is None


def test_accounts_refuse_what_the_services_could_not_use(store: AccountStore) -> None:
    with pytest.raises(AccountError) as short:
        store.create("a", "short", Role.COMMITTEE)
    assert short.value.field == "password"
    with pytest.raises(AccountError) as no_member:
        store.create("s", "long enough", Role.SECRETARY, branch_id="chinese")
    assert no_member.value.field == "member_id"
    with pytest.raises(AccountError) as no_branch:
        store.create("s", "long enough", Role.SECRETARY, member_id="m01")
    assert no_branch.value.field == "branch_id"
    with pytest.raises(AccountError) as service:
        store.create("svc", "long enough", Role.SERVICE)
    assert service.value.field == "role"
    store.create("c", "long enough", Role.COMMITTEE)
    with pytest.raises(AccountError) as taken:
        store.create("c", "long enough", Role.COMMITTEE)
    assert taken.value.field == "username"


def test_a_session_signs_in_until_closed_or_expired(store: AccountStore) -> None:
    account = store.create("c", "long enough", Role.COMMITTEE)
    session = store.open_session(account, lifetime_s=60)
    assert store.session(session) == account
    assert store.session(session + "x") is None
    store.close_session(session)
    assert store.session(session) is None
    expired = store.open_session(account, lifetime_s=-1)
    assert store.session(expired) is None


def test_an_invitation_makes_one_account_once(store: AccountStore) -> None:
    code = store.invite(Role.SECRETARY, "m11", "science", created_by="committee")
    account = store.accept(code, "m11", "long enough")
    assert (account.role, account.member_id, account.branch_id) == (
        Role.SECRETARY,
        "m11",
        "science",
    )
    with pytest.raises(AccountError) as used:
        store.accept(code, "someone-else", "long enough")
    assert used.value.field == "code"


def test_the_demo_accounts_are_seeded_once_with_their_passwords_kept(
    store: AccountStore, tmp_path: Path
) -> None:
    first = seed(store, tmp_path)
    assert [(a.username, a.role) for a in first] == [
        ("committee", "committee"),
        ("m01", "secretary"),
        ("m03", "member"),
    ]
    assert seed(store, tmp_path) == first == read(tmp_path)
    assert oct((tmp_path / "demo-accounts.json").stat().st_mode)[-3:] == "600"
    assert all(store.check_password(a.username, a.password) for a in first)
