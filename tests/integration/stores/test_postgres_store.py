"""What the PostgreSQL backend promises beyond the contract: its schema is made by numbered
migrations, each applied once, also when replicas start together; stores of different
services in one database are apart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
from contract.event_store.base import append, pledge

from kernel.store.migrations import migrate, migrations
from kernel.store.postgres import PostgresEventStore, connect_options


def applied(url: str, schema: str) -> list[tuple[int, str]]:
    with psycopg.connect(url, **connect_options(schema)) as conn:
        rows = conn.execute("SELECT number, name FROM schema_migrations ORDER BY number")
        return [(int(n), str(name)) for n, name in rows.fetchall()]


def test_every_migration_is_applied_once_in_number_order(postgres_database: str) -> None:
    expected = [(m.number, m.name) for m in migrations("postgres")]
    assert expected and expected == sorted(expected)

    PostgresEventStore(postgres_database, schema="archives").close()
    assert applied(postgres_database, "archives") == expected
    with psycopg.connect(postgres_database, autocommit=True, **connect_options("archives")) as conn:
        assert migrate(conn, "postgres") == []  # a restart applies nothing again
    assert applied(postgres_database, "archives") == expected


def test_replicas_starting_together_make_the_schema_once(postgres_database: str) -> None:
    def start(_: int) -> int:
        store = PostgresEventStore(postgres_database, schema="pledges")
        try:
            return append(store, "school-1/pledge/p", None, [pledge()]).stream_version
        finally:
            store.close()

    with ThreadPoolExecutor(4) as pool:
        versions = sorted(pool.map(start, range(4)))
    assert versions == [1, 2, 3, 4]
    assert len(applied(postgres_database, "pledges")) == len(migrations("postgres"))


def test_the_stores_of_two_services_in_one_database_are_apart(postgres_database: str) -> None:
    archives = PostgresEventStore(postgres_database, schema="archives")
    pledges = PostgresEventStore(postgres_database, schema="pledges")
    try:
        append(archives, "school-1/member/m", 0, [pledge()])
        assert pledges.head_position() == 0
        assert append(pledges, "school-1/member/m", 0, [pledge()]).last_position == 1
    finally:
        archives.close()
        pledges.close()
