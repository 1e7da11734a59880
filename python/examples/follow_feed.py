"""Follow a feed of the wire: every revision rebuilt and verified, kills and
flashes called out, the figures each revision changed, and a resume cursor
kept in a file so a restart picks up exactly where this one stopped.

    /usr/bin/python3 python/examples/follow_feed.py --hub tcp://127.0.0.1:7700 \
        --feed equities-asia --since 1 --cursor /tmp/equities-asia.cursor

On a secure daemon add ``--key desk.key --server-key wire.pub`` (or set
NEWSWIRE_KEY and NEWSWIRE_SERVER_KEY, as for the CLI).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from newswire import AccessDenied, ConnectionChange, Curve, Delivery, Gap, Subscriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", default="tcp://127.0.0.1:7700")
    parser.add_argument("--feed", action="append", default=[])
    parser.add_argument("--instrument", action="append", default=[], help="MIC:SYMBOL")
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--cursor", type=Path, help="file keeping the last wire sequence seen")
    parser.add_argument("--since", type=int, help="start at this wire sequence (default: live)")
    parser.add_argument("--count", type=int, default=0, help="stop after N revisions")
    parser.add_argument("--key", default=os.environ.get("NEWSWIRE_KEY", ""),
                        help="this client's CURVE secret key file (a secure daemon)")
    parser.add_argument("--server-key", default=os.environ.get("NEWSWIRE_SERVER_KEY", ""),
                        help="the daemon's CURVE public key file")
    args = parser.parse_args()
    curve = Curve.from_files(args.key, args.server_key) if args.key or args.server_key else None

    since = args.since
    if args.cursor and args.cursor.exists():
        since = int(args.cursor.read_text()) + 1  # Resume: nothing missed, nothing twice.
    seen = 0
    with Subscriber(args.hub, feeds=args.feed, instruments=args.instrument, topics=args.topic,
                    since_wire_seq=since, curve=curve) as subscriber:
        for notice in subscriber:
            if isinstance(notice, Gap):
                print(f"!! lost {notice.channel} {notice.first_missing}-{notice.last_missing}: "
                      f"{notice.reason}")
            elif isinstance(notice, AccessDenied):
                print(f"!! no longer allowed {notice.channel}: {notice.reason}")
            elif isinstance(notice, ConnectionChange):
                print("-- reconnected" if notice.connected else "-- connection lost, retrying")
            elif isinstance(notice, Delivery):
                show(notice)
                if args.cursor:
                    args.cursor.write_text(f"{subscriber.last_delivered_wire_seq}\n")
                seen += 1
                if args.count and seen >= args.count:
                    return


def show(d: Delivery) -> None:
    if not d.verified:
        print(f"#{d.wire_seq} {d.article_id} v{d.version}: NOT VERIFIED ({d.problem})")
        return
    a = d.article
    flags = [name for name, on in (("*** KILL ***", d.killed), ("FLASH", d.flash),
                                   ("CORRECTION", d.correction), ("UPDATE", d.update)) if on]
    print(f"#{d.wire_seq} {d.article_id} v{d.version} [{d.payload}, "
          f"{len(d.event_bytes)} of {d.event.full_bytes} B, {d.lag_ns / 1e6:.2f} ms late"
          f"{', from the store' if d.recovered else ''}] {' '.join(flags)}")
    print(f"    {a.headline}")
    if a.ednote:
        print(f"    ({a.ednote})")
    for change in d.figure_changes or ():  # None: version 1, or the one before not held.
        print(f"    figures: {change}")


if __name__ == "__main__":
    main()
