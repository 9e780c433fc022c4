"""The store: migrations build exactly the models' schema, on SQLite and PostgreSQL; history is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from review import audit
from review.migrate import current_revision, head_revision
from review.store import Base, Decision, StoredNote, open_store, resolve_db_url, utcnow


def test_migrations_build_the_schema_the_models_describe(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(store.engine) == head_revision()


def test_opening_an_upgraded_database_again_keeps_its_data(db_url, store):
    with store.write_session() as session, session.begin():
        audit.record(session, user=None, user_name="test", action="load")
    store.dispose()
    again = open_store(db_url)
    try:
        with again.session() as session:
            assert session.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one() == 1
    finally:
        again.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET user_name = 'someone else'", "DELETE FROM audit_log"])
def test_the_audit_log_refuses_to_be_rewritten(store, statement):
    with store.write_session() as session, session.begin():
        audit.record(session, user=None, user_name="test", action="load")
    with pytest.raises(DBAPIError, match="append-only"):
        with store.write_session() as session, session.begin():
            session.execute(text(statement))
    with store.session() as session:
        assert session.execute(text("SELECT user_name FROM audit_log")).scalars().all() == ["test"]


def test_decisions_refuse_to_be_rewritten(loaded_store):
    from review_helpers import item_id_for
    from review.store import User

    item_id = item_id_for(loaded_store, "N-1", "unhandled_concern")
    with loaded_store.write_session() as session, session.begin():
        user = session.query(User).filter_by(name="rita").one()
        session.add(Decision(item_id=item_id, user_id=user.id, kind="confirm", seen_version=1, model="m", flag_fingerprint="f"))
    with pytest.raises(DBAPIError, match="append-only"):
        with loaded_store.write_session() as session, session.begin():
            session.execute(text("UPDATE decisions SET kind = 'dismiss'"))


def test_database_errors_never_carry_the_statement_parameters(store):
    secret_text = "Barnet fortalte om noget meget privat"
    row = dict(note_id="X-1", case_id="C", written_at=utcnow(), text=secret_text, text_sha256="0" * 64, concern_types_json="[]")
    with store.write_session() as session, session.begin():
        session.add(StoredNote(**row))
    with pytest.raises(IntegrityError) as caught:
        with store.write_session() as session, session.begin():
            session.add(StoredNote(**row))
    assert secret_text not in str(caught.value)


def test_a_path_means_sqlite_and_postgresql_urls_use_psycopg_3():
    assert resolve_db_url("out/demo.db") == "sqlite:///out/demo.db"
    assert resolve_db_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_database_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_store(str(tmp_path / "no-such-folder" / "q.db"))


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "ny.db"
    store = open_store(str(path))
    store.dispose()
    assert path.stat().st_mode & 0o777 == 0o600
