"""Replay a day of the wire into a pandas DataFrame, as a back-test sees it:
one row per revision in wire order, each with the time it became available
(wire_time) and the time it stopped being the current text (superseded_at).

    /usr/bin/python3 python/examples/replay_day.py --hub tcp://127.0.0.1:7700 \
        --day 2026-11-25 --feed equities-asia
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta, timezone

from newswire import replay_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", default="tcp://127.0.0.1:7700")
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="UTC day")
    parser.add_argument("--feed", action="append", default=[])
    parser.add_argument("--instrument", action="append", default=[], help="MIC:SYMBOL")
    args = parser.parse_args()

    start = datetime.combine(args.day, time(0), tzinfo=timezone.utc)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    frame = replay_frame(args.hub, start, end, feeds=args.feed, instruments=args.instrument)
    print(f"{len(frame)} revisions of {frame['article_id'].nunique()} stories, "
          f"{int(frame['killed'].sum())} killed, all verified: {bool(frame['verified'].all())}")
    columns = ["wire_time", "superseded_at", "article_id", "version", "urgency", "headline"]
    print(frame[columns].to_string(index=False, max_colwidth=60))

    # Point in time: what was the text of each story at 09:00 Tokyo (00:00 UTC)?
    at = start
    current = frame[(frame["wire_time"] <= at) &
                    (frame["superseded_at"].isna() | (frame["superseded_at"] > at))]
    print(f"\nout at {at:%H:%M} UTC: {len(current)} stories")


if __name__ == "__main__":
    main()
