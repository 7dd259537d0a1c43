"""The archives service layer: one handler per command. Each checks who may do it, validates
the input (naming the field at fault), lets the aggregate decide, and appends through the
kernel's `CommandExecutor`. No gRPC, no Kafka, no SQL."""

from __future__ import annotations

from archives.handlers.appeal import AppealHandlers
from archives.handlers.assessment import AssessmentHandlers
from archives.handlers.member import MemberHandlers
from archives.handlers.posts import PostHandlers
from archives.handlers.record import RecordHandlers
from archives.handlers.school import SchoolHandlers

__all__ = ["ArchivesHandlers"]


class ArchivesHandlers(
    SchoolHandlers,
    MemberHandlers,
    RecordHandlers,
    PostHandlers,
    AssessmentHandlers,
    AppealHandlers,
):
    """Every archives command, sharing one repository and executor (`HandlerBase`)."""
