"""Fixtures for the review queue: a store on SQLite and on a real PostgreSQL server, loaded with
the fixture archive and four users (two reviewers, a researcher, an admin), and logged-in clients."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator

# The helper modules beside this file (pytest runs with --import-mode=importlib, which adds no paths).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from review import auth
from review.app import create_app
from review.loading import load_flag_objects
from review.store import Store, open_store
from review_fixtures import NOTES, PASSWORD, make_flags
from review_helpers import add_fixture_users, login
from review_pg import ThrowawayPostgres, find_pg_bin


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its smallest cost: the tests log in hundreds of times on a small machine."""
    auth.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    auth.use_password_hasher(PasswordHasher())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ThrowawayPostgres]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian package 'postgresql'; .ci/run installs it)")
    server = ThrowawayPostgres(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """Each test that uses the store runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'review.db'}"
        return
    server: ThrowawayPostgres = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'review.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashing with argon2 takes a while; the fixture users share one hash of PASSWORD."""
    return auth.hash_password(PASSWORD)


@pytest.fixture
def loaded_store(store: Store, password_hash: str) -> Store:
    report = load_flag_objects(store, NOTES, make_flags())
    assert report.errors == 0, report.messages
    add_fixture_users(store, password_hash)
    return store


@pytest.fixture
def app(loaded_store: Store):
    return create_app(store=loaded_store, cookie_secure=False)


@pytest.fixture
def client_for(app) -> Iterator[Callable[[str | None], TestClient]]:
    """`client_for("rita")` is a client logged in as rita; `client_for(None)` is anonymous."""
    made: list[TestClient] = []

    def make(name: str | None) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        made.append(client)
        client.csrf = None  # type: ignore[attr-defined]
        return login(client, name) if name else client

    yield make
    for client in made:
        client.close()
