"""Pledges' own vocabulary: the states of a fulfilment report and of supervision
feedback, which stay inside the service. The vocabulary other services read is in
`contracts.vocabulary`."""

from __future__ import annotations

from enum import StrEnum


class ReportStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class FeedbackStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    DISMISSED = "dismissed"
