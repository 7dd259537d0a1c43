"""The demo school's sign-in accounts: one committee, one branch secretary, one member.

Seeded once when the web app first starts on the demo school, each with a random password,
kept in `<data dir>/web/demo-accounts.json` (readable by its owner only) so that `make run`
can print them. A school's real accounts are made by its committee (pages /admin)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from kernel.envelope import Role
from web.accounts import AccountStore

FILE = "demo-accounts.json"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    member_id: str
    branch_id: str
    who: str  # for the printed line


DEMO = (
    ("committee", Role.COMMITTEE, "", "", "党委 (committee)"),
    ("m01", Role.SECRETARY, "m01", "chinese", "王芳, 语文教研组党支部书记 (secretary)"),
    ("m03", Role.MEMBER, "m03", "chinese", "张丽华, 党员 (member)"),
)


def seed(store: AccountStore, web_dir: Path) -> list[DemoAccount]:
    """Make the demo accounts that do not exist yet; answer all of them with passwords."""
    path = web_dir / FILE
    kept = {a.username: a for a in read(web_dir)}
    for username, role, member_id, branch_id, who in DEMO:
        if username in kept and store.account(username) is not None:
            continue
        password = secrets.token_urlsafe(9)
        if store.account(username) is None:
            store.create(username, password, role, member_id=member_id, branch_id=branch_id)
            kept[username] = DemoAccount(username, password, role.value, member_id, branch_id, who)
    accounts = [kept[name] for name, *_ in DEMO if name in kept]
    path.write_text(json.dumps([asdict(a) for a in accounts], ensure_ascii=False, indent=1))
    os.chmod(path, 0o600)
    return accounts


def read(web_dir: Path) -> list[DemoAccount]:
    """The seeded demo accounts, or none when they were not seeded (yet)."""
    try:
        return [DemoAccount(**item) for item in json.loads((web_dir / FILE).read_text())]
    except (OSError, ValueError, TypeError):
        return []
