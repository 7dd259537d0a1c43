"""Where archives keeps its data is configuration alone (VANGUARD_STORE_URL): the same service
code writes its events, read model and consumer positions to SQLite files or to PostgreSQL."""

from __future__ import annotations

import psycopg
from archives_kit import ArchivesService

from kernel.database import SqliteReadModel


async def test_the_store_and_the_read_model_are_where_the_configuration_says(
    archives: ArchivesService,
) -> None:
    await archives.found_school((("b-a", "第一党支部"),))
    await archives.register("m-1", "李四", "b-a", ("teacher",))
    runtime = archives.runtime
    assert runtime is not None and runtime.store is not None
    head = runtime.store.head_position()

    url = archives.settings.store_url
    if url is None:
        assert (archives.directory / "events.db").exists()
        assert isinstance(archives.read_model(), SqliteReadModel)
        assert archives.read_model().exists()
        return
    with psycopg.connect(url) as conn:
        (events,) = conn.execute("SELECT COUNT(*) FROM archives.events").fetchone() or (0,)
        applied = conn.execute("SELECT COUNT(*) FROM archives_archive.applied_streams").fetchone()
        positions = conn.execute("SELECT COUNT(*) FROM archives_archive.log_positions").fetchone()
        (members,) = conn.execute(
            "SELECT name FROM archives_archive.members WHERE school_id = %s AND member_id = 'm-1'",
            (archives.school,),
        ).fetchone() or ("",)
    assert events == head > 0
    assert applied and applied[0] > 0
    assert positions and positions[0] > 0
    assert members == "李四"
    assert not (archives.directory / "events.db").exists()
