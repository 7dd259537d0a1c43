"""Hypothesis strategies for any request of the three APIs, built from the generated message
descriptors, so a field or RPC added to a proto is fuzzed without touching this file.

A request is drawn in one of three styles: every field valid for the seeded school (to reach
the deep paths), valid but for one hostile field (to find which check is missing), or every
field drawn from the whole mix. "Valid" comes from the seeded school's ids and the APIs'
vocabulary, chosen by field name; fields without a known vocabulary get plain text or small
numbers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)
MAX_REPEATED = 4  # elements of a repeated field, drawn wild; a few draws go past a limit
PAST_LIMIT = 21  # one more than the largest repeated limit the APIs state (20 evidence refs)


# -- hostile values --------------------------------------------------------------------------

HOSTILE_TEXT: tuple[str, ...] = (
    "",
    " ",
    "\t\n ",
    "x" * 10_000,
    "长" * 2_001,
    "m1\n",
    "a\x00b",
    "bell\x07",
    "\u202eevil",
    "🎉🚩",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "0000-01",
    "9999-Q4",
    "AY9999",
    "AY0000",
    "2026-13",
    "2026-Q5",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "not-a-date",
    "../../etc/passwd",
    "' OR 1=1 --",
    "%s%n{0}",
)

HOSTILE_FLOATS: tuple[float, ...] = (
    0.0,
    -0.0,
    -1.0,
    1e-300,
    100.0000001,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
)


def hostile_ints(bounds: tuple[int, int]) -> tuple[int, ...]:
    low, high = bounds
    return tuple(sorted({0, max(low, -1), 1, min(high, 2**31 - 1), high, low}))


# -- the seeded school -----------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """The ids of the seeded school, by the request field names that take them."""

    school: str
    members: tuple[str, ...]  # the first one is the member most seeded things concern
    branches: tuple[str, ...]
    pledges: tuple[str, ...]
    records: tuple[str, ...]
    reports: tuple[str, ...]
    posts: tuple[str, ...]
    appeals: tuple[str, ...]
    feedback: tuple[str, ...]
    spare: tuple[str, str]  # a member and the post they hold, for the explicit cases alone

    def ids(self) -> dict[str, tuple[str, ...]]:
        return {
            "school_id": (self.school,),
            "member_id": self.members,
            "branch_id": self.branches,
            "to_branch_id": self.branches,
            "pledge_id": self.pledges,
            "record_id": self.records,
            "report_id": self.reports,
            "post_id": self.posts,
            "appeal_id": self.appeals,
            "feedback_id": self.feedback,
            "subject_id": self.records + periods(),
        }

    def placeholders(self) -> dict[str, str]:
        """What `{school}`, `{member}`, `{pledge}`... stand for in the explicit examples."""
        return {
            "school": self.school,
            "member": self.members[0],
            "other_member": self.members[-1],
            "branch": self.branches[0],
            "pledge": self.pledges[0],
            "record": self.records[0],
            "report": self.reports[0],
            "post": self.posts[0],
            "appeal": self.appeals[0],
            "feedback": self.feedback[0],
            "rules": default_rules(),
            "today": date.today().isoformat(),
            "spare_member": self.spare[0],
            "spare_post": self.spare[1],
        }


def periods(today: date | None = None) -> tuple[str, ...]:
    """This month, last month, this quarter and this academic year (from September)."""
    today = today or date.today()
    last = today.replace(day=1) - timedelta(days=1)
    year = today.year if today.month >= 9 else today.year - 1
    return (
        f"{today.year:04d}-{today.month:02d}",
        f"{last.year:04d}-{last.month:02d}",
        f"{today.year:04d}-Q{(today.month - 1) // 3 + 1}",
        f"AY{year:04d}",
    )


def dates(today: date | None = None) -> tuple[str, ...]:
    today = today or date.today()
    near = [(today + timedelta(days=days)).isoformat() for days in (0, -1, -20, 7, 30)]
    return (*near, "2010-07-01")


def default_rules() -> str:
    """One rules version in the rules file format: scoring's default, renamed."""
    text = resources.files("scoring").joinpath("rules/default.json").read_text()
    version = json.loads(text)[0]
    version["version"] = "fuzz-candidate"
    return json.dumps(version)


VOCABULARY: Mapping[str, tuple[str, ...]] = {
    "roles": ("teacher", "head_teacher", "staff"),
    "category": ("study_training", "duty_performance", "activities", "integrity"),
    "channel": ("self_declared", "public_report", "branch_investigation"),
    "kind": ("head_teacher", "staff", "other"),
    "tier": ("self", "peer", "public", "committee"),
    "lead": ("study", "work", "discipline", "devotion"),
    "subject": ("record", "evaluation"),
    "outcome": ("upheld", "dismissed", "fulfilled", "partially_fulfilled", "unfulfilled"),
    "verdict": ("accepted", "partially_accepted", "rejected"),
    "reviewer_kind": ("student", "parent", "colleague", "other"),
    "status": (
        "submitted",
        "returned",
        "approved",
        "published",
        "closed",
        "withdrawn",
        "pending",
        "verified",
        "dismissed",
    ),
    "pdca_stage": ("plan", "do", "check", "act", "done"),
    "page_token": ("",),
    "after_event_id": ("",),
    "idempotency_key": ("", "fuzz-key-1", "fuzz-key-2"),
    "contact": ("", "家长 138 0000 0000"),
}
TEXT = ("经支部核实", "每周上一节公开课", "王小明", "Teaching well, every lesson.")
DATE_FIELDS = frozenset(
    {"joined_party_on", "left_on", "occurred_on", "assigned_on", "released_on", "due_on"}
)
SMALL_NUMBERS: Mapping[str, tuple[int, int]] = {
    "rating": (1, 5),
    "percent": (0, 100),
    "target": (1, 3),
    "page_size": (0, 50),
    "expected_version": (1, 12),
}


def valid_strings(field: str, seeded: Seeded) -> tuple[str, ...]:
    if field in seeded.ids():
        return seeded.ids()[field]
    if field == "period":
        return periods()
    if field in DATE_FIELDS:
        return dates()
    if field == "as_of":
        return (datetime.now(UTC).isoformat(timespec="seconds"), "")
    if field == "rules_json":
        return (default_rules(),)
    return VOCABULARY.get(field, TEXT)


def near_misses(values: Sequence[str]) -> tuple[str, ...]:
    """Valid values spoiled at their edges: the ones a sloppy check lets through."""
    spoiled: list[str] = []
    for value in values[:2]:
        spoiled += [f"{value}\n", f" {value}", f"{value}\u202e", value.upper()]
    return tuple(spoiled)


# -- from descriptors ------------------------------------------------------------------------

# Styles of a request; HOSTILE is the style of the one bad field of a ONE_BAD request.
VALID, ONE_BAD, WILD, HOSTILE = "valid", "one_bad", "wild", "hostile"


def message_class(descriptor: Descriptor) -> type[Message]:
    return GetMessageClass(descriptor)


class Requests:
    """Builds the strategy of any request message for one seeded school."""

    def __init__(self, seeded: Seeded) -> None:
        self.seeded = seeded

    def request(self, descriptor: Descriptor) -> st.SearchStrategy[Message]:
        return st.sampled_from((VALID, ONE_BAD, ONE_BAD, WILD)).flatmap(
            lambda style: self._message(descriptor, style, depth=0)
        )

    def _message(
        self, descriptor: Descriptor, style: str, depth: int
    ) -> st.SearchStrategy[Message]:
        fields = list(descriptor.fields)
        if style == ONE_BAD and fields:
            return st.sampled_from(fields).flatmap(
                lambda bad: self._build(descriptor, lambda f: HOSTILE if f is bad else VALID, depth)
            )
        inner = VALID if style == ONE_BAD else style
        return self._build(descriptor, lambda f: inner, depth)

    def _build(
        self, descriptor: Descriptor, style_of: Any, depth: int
    ) -> st.SearchStrategy[Message]:
        cls = message_class(descriptor)
        parts = {f.name: self._field(f, style_of(f), depth) for f in descriptor.fields}

        def make(values: dict[str, Any]) -> Message:
            return cls(**{name: value for name, value in values.items() if value is not None})

        return st.fixed_dictionaries(parts).map(make)

    def _field(self, field: FieldDescriptor, style: str, depth: int) -> st.SearchStrategy[Any]:
        one = self._single(field, style, depth)
        if field.is_repeated:
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                return st.none()  # no request has a map; replies are not drawn
            if style == VALID:
                return st.lists(one, min_size=1, max_size=2)
            if style == HOSTILE:  # its elements hostile, or too many, or none
                return st.one_of(
                    st.lists(one, min_size=1, max_size=2),
                    st.lists(
                        self._single(field, VALID, depth), min_size=PAST_LIMIT, max_size=PAST_LIMIT
                    ),
                    st.just([]),
                )
            return st.one_of(
                st.lists(one, max_size=MAX_REPEATED),
                st.lists(one, min_size=PAST_LIMIT, max_size=PAST_LIMIT),
            )
        if style in (VALID, HOSTILE):
            return one
        # A field may be left unset: proto3 sends nothing, `optional` fields lose presence.
        return st.one_of(st.none(), one, one)

    def _single(self, field: FieldDescriptor, style: str, depth: int) -> st.SearchStrategy[Any]:
        if field.message_type is not None:
            if depth >= 3:
                return st.none()
            inner = WILD if style == HOSTILE else style
            return self._message(field.message_type, inner, depth + 1)
        if field.enum_type is not None:
            known = [value.number for value in field.enum_type.values]
            if style == VALID:
                return st.sampled_from(known)
            if style == HOSTILE:
                return st.integers(*INT32).filter(lambda n: n not in known)
            return st.one_of(st.sampled_from(known), st.integers(*INT32))
        kind = field.type
        if kind == FieldDescriptor.TYPE_STRING:
            return self._string(field.name, style)
        if kind == FieldDescriptor.TYPE_BYTES:
            return st.binary(max_size=64)
        if kind == FieldDescriptor.TYPE_BOOL:
            return st.booleans()
        if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            valid = st.floats(min_value=0, max_value=100, allow_nan=False)
            if style == VALID:
                return valid
            if style == HOSTILE:
                return st.sampled_from(HOSTILE_FLOATS)
            if kind == FieldDescriptor.TYPE_FLOAT:
                return st.one_of(valid, st.sampled_from(HOSTILE_FLOATS), st.floats(width=32))
            return st.one_of(valid, st.sampled_from(HOSTILE_FLOATS), st.floats())
        return self._integer(field, style)

    def _string(self, name: str, style: str) -> st.SearchStrategy[str]:
        valid = valid_strings(name, self.seeded)
        if style == VALID:
            return st.sampled_from(valid)
        if style == HOSTILE:
            return st.sampled_from(HOSTILE_TEXT + near_misses(valid))
        return st.one_of(
            st.sampled_from(valid),
            st.sampled_from(HOSTILE_TEXT + near_misses(valid)),
            st.text(max_size=24),
        )

    def _integer(self, field: FieldDescriptor, style: str) -> st.SearchStrategy[int]:
        kind = field.type
        if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
            bounds = UINT32
        elif kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
            bounds = UINT64
        elif kind in (
            FieldDescriptor.TYPE_INT64,
            FieldDescriptor.TYPE_SINT64,
            FieldDescriptor.TYPE_SFIXED64,
        ):
            bounds = INT64
        else:
            bounds = INT32
        low, high = SMALL_NUMBERS.get(field.name, (0, 100))
        valid = st.integers(max(low, bounds[0]), min(high, bounds[1]))
        if style == VALID:
            return valid
        if style == HOSTILE:
            return st.sampled_from(hostile_ints(bounds))
        return st.one_of(valid, st.sampled_from(hostile_ints(bounds)), st.integers(*bounds))


def malformed(serialized: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Bytes that are not the request they claim to be: random, a valid one truncated or with
    garbage after it, or a field whose length runs past the end."""

    def truncated(data: bytes) -> st.SearchStrategy[bytes]:
        if len(data) < 2:
            return st.just(data + b"\x0a")
        return st.integers(1, len(data) - 1).map(lambda cut: data[:cut])

    return st.one_of(
        st.binary(min_size=1, max_size=64),
        serialized.flatmap(truncated),
        serialized.map(lambda data: data + b"\xff\xff\xff"),
        st.sampled_from(
            (
                b"\x0a\xff\xff\xff\xff\x0f",  # field 1, a length of 4 GiB
                b"\x0a\x05abc",  # field 1, 5 bytes promised, 3 given
                b"\x0a\x02\xc3\x28",  # field 1, invalid UTF-8 in a string
                b"\x7a\x01\x00",  # field 15 (options), a message cut short
                b"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",  # an 11-byte varint
                b"\x0f",  # wire type 7 (invalid)
            )
        ),
    )
