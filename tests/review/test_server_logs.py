"""`journaltjek serve` as a real process: binds 127.0.0.1, logs one line per request with the path
(never the query string or a body), and never writes note text or reviewers' words to its log."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from review.loading import load_flag_objects
from review.store import open_store
from review_fixtures import NOTES, make_flags
from review_helpers import add_fixture_users, http_login, item_id_for
from review_pg import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    item_id: int

    def stop(self) -> str:
        """Stop the server (as Ctrl-C would) and return everything it logged."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return stderr


@pytest.fixture
def served(sqlite_url, password_hash):
    store = open_store(sqlite_url)
    load_flag_objects(store, NOTES, make_flags())
    add_fixture_users(store, password_hash)
    item_id = item_id_for(store, "N-1", "unhandled_concern")
    store.dispose()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--db", sqlite_url, "--port", str(port), "--insecure-cookies"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = Served(process, f"http://127.0.0.1:{port}", item_id)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{server.url}/login", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {server.stop()[-2000:]}")
            time.sleep(0.2)
    yield server
    server.stop()


def test_the_server_log_holds_paths_and_ids_but_never_text(served):
    comment = "Mor fortalte i telefonen om sin depression"
    with httpx.Client(base_url=served.url, timeout=30) as client:
        token = http_login(client, "rita")
        assert client.get(f"/markeringer/{served.item_id}?status=all&markoer=unhandled_concern").status_code == 200
        version = client.get(f"/markeringer/{served.item_id}.json").json()["item"]["version"]
        decided = client.post(f"/markeringer/{served.item_id}/afgoerelse",
                              json={"kind": "comment", "version": version, "text": comment}, headers={"X-CSRF-Token": token})
        assert decided.status_code == 200
        assert client.get("/koe?team=Team+Nord").status_code == 200
    log = served.stop()
    assert re.search(rf"journaltjek\.access: GET /markeringer/{served.item_id} 200 [\d.]+ms user=1", log)
    assert re.search(rf"POST /markeringer/{served.item_id}/afgoerelse 200 .* user=1", log)
    assert "POST /login 200" in log and "GET /koe 200" in log
    for secret in [comment, "Team Nord", "status=all", "markoer=", "korrekt-hest-batteri", "rita"]:
        assert secret not in log
    for note in NOTES:
        assert note.text[:30] not in log


def test_the_server_binds_only_to_the_loopback_address(served):
    port = int(served.url.rsplit(":", 1)[1])
    assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
    for address in _local_addresses():
        if address.startswith("127."):
            continue
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://{address}:{port}/login", timeout=2)


def _local_addresses() -> list[str]:
    import socket

    import psutil

    return [a.address for addrs in psutil.net_if_addrs().values() for a in addrs if a.family == socket.AF_INET]
