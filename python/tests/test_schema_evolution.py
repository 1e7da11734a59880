"""A client built from an older schema keeps verifying against the current
daemon (docs/wire-protocol.md, "Schema evolution").

The test copies this package, generates its protobuf modules from a copy of
proto/ with one Article field removed (``byline``, field 11: a field in the
middle, so an old client that parsed and re-encoded an article would move it
to the end and break the hash), and runs it against daemons in both payload
modes. Every payload kind must rebuild to the daemon's canonical bytes and
verify, live, in catch-up, in repair and in replay; a structured diff that
replaces the field the old client does not know must apply too.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import ROOT, publish_wire_vectors, vectors

REMOVED = "  string byline = 11;      // Who wrote it.\n"


def build_old_client(tmp_path: Path) -> Path:
    """A copy of the package whose newswire.v1 lacks Article.byline."""
    root = tmp_path / "old-client"
    shutil.copytree(ROOT / "python" / "newswire", root / "python" / "newswire",
                    ignore=shutil.ignore_patterns("v1", "__pycache__"))
    protos = root / "proto" / "newswire" / "v1"
    protos.mkdir(parents=True)
    for name in ("article.proto", "diff.proto", "wire.proto"):
        shutil.copy(ROOT / "proto" / "newswire" / "v1" / name, protos / name)
    article = (protos / "article.proto").read_text()
    assert article.count(REMOVED) == 1, "article.proto changed: update REMOVED"
    (protos / "article.proto").write_text(article.replace(REMOVED, ""))
    # The copy sits in a checkout-like tree, so its first import generates
    # newswire.v1 from the older proto/ beside it (newswire/_schema.py).
    subprocess.run([sys.executable, "-c", "import newswire"],
                   env=dict(os.environ, PYTHONPATH=str(root / "python")), check=True,
                   cwd=tmp_path)
    assert (root / "python" / "newswire" / "v1" / "article_pb2.py").is_file()
    return root / "python"


def run_old_client(python_path: Path, hub: str, name: str) -> dict[str, Any]:
    """Starts the old client, publishes the vectors' inputs once it follows
    the wire, and returns what it saw."""
    count = len(vectors(name)["revisions"])
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "old_client.py"), hub, str(count)],
        env=dict(os.environ, PYTHONPATH=str(python_path)), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(30), "the old client did not subscribe"
        assert process.stdout.readline().strip() == "subscribed"
        publish_wire_vectors(hub, name)
        out, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_an_old_schema_client_verifies_every_payload_kind(start_daemon: Any,
                                                          tmp_path: Path) -> None:
    old = build_old_client(tmp_path)
    for mode, kinds in (("smallest", {"full", "delta", "diff"}), ("diff", {"full", "diff"})):
        name = f"wire-{mode}.json"
        revisions = vectors(name)["revisions"]
        seen = run_old_client(old, start_daemon("--payload", mode).hub, name)

        assert "byline" not in seen["fields"] and "headline" in seen["fields"]
        for got in (seen["live"], seen["catch_up"]):
            assert [d["wire_seq"] for d in got] == [r["wire_seq"] for r in revisions]
            for d, r in zip(got, revisions):
                assert d["verified"], (mode, d)
                assert d["canonical_hex"] == r["canonical_hex"]
        assert {d["payload"] for d in seen["live"]} == kinds
        assert not any(d["repaired"] for d in seen["live"])
        # Re-encoding would have broken every article with a byline: the rule matters.
        assert sum(d["reencoding_differs"] for d in seen["live"]) >= 4
        assert seen["mid_story"][0]["verified"] and seen["mid_story"][0]["repaired"]
        assert all(seen["with_full"]) and all(seen["get"]) and all(seen["replay_verified"])
        assert len(seen["replay_verified"]) == len(revisions)

    # In diff mode, wire #6 is a structured diff replacing the byline (field
    # 11), a field the old client does not know: it applied it.
    diff_mode = vectors("wire-diff.json")["revisions"][5]
    assert diff_mode["payload"] == "diff" and 11 in diff_mode["diff"]["replaced_fields"]
