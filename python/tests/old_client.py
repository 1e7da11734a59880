"""Run by test_schema_evolution.py with PYTHONPATH set to a copy of the
package whose protobuf modules were generated from an older schema (one
Article field removed). Follows the live wire of the daemon at argv[1], then
catches up, repairs, queries and replays, and prints what it saw as JSON.

Protocol with the test: prints "subscribed" once the live subscription is
confirmed, reads argv[2] revisions, then prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import newswire
from newswire import QueryClient, Rebuilder, Subscriber, article_pb2, replay_frame


def summary(d: newswire.Delivery) -> dict[str, object]:
    reencoded = d.article.SerializeToString(deterministic=True) if d.canonical else b""
    return {"wire_seq": d.wire_seq, "version": d.version, "payload": d.payload,
            "verified": d.verified, "repaired": d.repaired, "problem": d.problem,
            "canonical_hex": (d.canonical or b"").hex(),
            "reencoding_differs": bool(d.canonical) and reencoded != d.canonical}


def read(subscriber: Subscriber, count: int) -> list[dict[str, object]]:
    out = []
    deadline = time.monotonic() + 30
    while len(out) < count and time.monotonic() < deadline:
        notice = subscriber.next(0.2)
        if isinstance(notice, newswire.Gap):
            raise SystemExit(f"gap: {notice}")
        if isinstance(notice, newswire.Delivery):
            out.append(summary(notice))
    return out


def main() -> None:
    hub, count = sys.argv[1], int(sys.argv[2])
    result: dict[str, object] = {
        "fields": sorted(article_pb2.Article.DESCRIPTOR.fields_by_name)}
    with Subscriber(hub) as live:
        print("subscribed", flush=True)
        result["live"] = read(live, count)
    with Subscriber(hub, since_wire_seq=1) as late:  # Catch-up from the log.
        result["catch_up"] = read(late, count)
    with Subscriber(hub, instruments=["XNAS:ARM"], since_wire_seq=1) as mid_story:
        result["mid_story"] = read(mid_story, 1)  # Base not held: fetched from the store.
    with QueryClient(hub) as query:
        rebuilder = Rebuilder()  # Holds nothing: each record repairs from its full article.
        records = list(query.iter_log(query.log_request(with_full=True)))
        result["with_full"] = [rebuilder.rebuild(r.event_bytes, r.full).verified for r in records]
        result["get"] = [query.get(r.event.article_id, r.event.version).verified for r in records]
    frame = replay_frame(hub, "1970-01-01T00:00:00Z")
    result["replay_verified"] = [bool(v) for v in frame["verified"]]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
