"""Clienteling / CRM event logs (JSONL) rendered into one interaction document per client and
calendar month (UTC), events in time order, one human-readable line each.

A client's month can span files, so events are grouped across the whole source. Valid events go
to a temporary SQLite file on disk and come back sorted from it: memory stays bounded however
large the log is. A bad line is quarantined alone.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import Iterable, Iterator, Optional

from assets.raw.compression import BrokenCompression
from assets.raw.decoding import bounded_lines, decode, why_not_text
from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions

REQUIRED = ("client_id", "ts", "type")
CLIENT_FIELDS = ("client_name", "client_email", "client_phone")
LINE_FIELDS = ("boutique", "advisor", "sku")


def utc(value) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_event(raw: Optional[bytes], uri: str, number: int, limit: int) -> tuple[Optional[dict], Optional[Quarantine]]:
    if raw is None:
        return None, Quarantine(uri, "oversize", number, f"line over {limit} bytes")
    text = decode(raw)
    if text is None:
        return None, Quarantine(uri, "binary_or_undecodable", number, why_not_text(raw))
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, Quarantine(uri, "broken_json", number, str(exc))
    if not isinstance(event, dict):
        return None, Quarantine(uri, "not_an_object", number, f"a JSON {type(event).__name__}")
    missing = [k for k in REQUIRED if event.get(k) in (None, "")]
    if missing:
        return None, Quarantine(uri, "missing_field", number, f"no {', '.join(missing)}")
    if utc(event["ts"]) is None:
        return None, Quarantine(uri, "bad_timestamp", number, f"ts {event['ts']!r} is not ISO 8601")
    return event, None


def event_line(event: dict) -> str:
    moment = utc(event["ts"]).strftime("%Y-%m-%d %H:%M UTC")
    parts = [moment, str(event["type"])]
    parts += [f"{k} {event[k]}" for k in LINE_FIELDS if event.get(k) not in (None, "")]
    extra = sorted(k for k in event if k not in (*REQUIRED, *CLIENT_FIELDS, *LINE_FIELDS, "event_id", "note"))
    parts += [f"{k} {event[k]}" for k in extra if event[k] not in (None, "")]
    line = " · ".join(parts)
    return f"{line}\n  note: {event['note']}" if event.get("note") else line


def render(client_id: str, period: str, events: list[dict]) -> str:
    first = events[0]
    who = " · ".join(str(first[k]) for k in CLIENT_FIELDS if first.get(k))
    header = f"Client {client_id}" + (f" ({who})" if who else "") + f", interactions in {period}"
    return "\n".join([header, *(event_line(e) for e in events)]) + "\n"


def read_events(files: Iterable[tuple[str, object]], options: ReadOptions) -> Iterator[Item]:
    """`files`: (origin, binary handle) in a stable order. Quarantine records come first (file by
    file), then the documents ordered by client and month."""
    with tempfile.TemporaryDirectory(prefix="atelier-events-") as folder:
        db = sqlite3.connect(str(Path(folder) / "events.db"))
        db.execute("CREATE TABLE events (client TEXT, period TEXT, ts TEXT, origin TEXT, line INT, event TEXT)")
        for origin, handle in files:
            saw_line, number = False, 0
            try:
                for number, raw in bounded_lines(handle, options.max_doc_bytes):
                    if raw is not None and not raw.strip():
                        continue
                    saw_line = True
                    event, bad = parse_event(raw, origin, number, options.max_doc_bytes)
                    if bad is not None:
                        yield bad
                        continue
                    moment = utc(event["ts"])
                    db.execute(
                        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                        (str(event["client_id"]), moment.strftime("%Y-%m"), moment.isoformat(), origin, number, json.dumps(event)),
                    )
            except BrokenCompression as exc:  # the lines read so far count; the rest of the file is lost
                saw_line = True
                yield Quarantine(origin, "broken_compression", number + 1, exc.detail)
            if not saw_line:
                yield Quarantine(origin, "empty_file", None, "no lines")
        rows = db.execute("SELECT client, period, origin, line, event FROM events ORDER BY client, period, ts, origin, line")
        for (client, period), group in groupby(rows, key=lambda r: (r[0], r[1])):
            group = list(group)
            events = [json.loads(r[4]) for r in group]
            files_seen = sorted({r[2] for r in group})
            meta = {"period": period, "events": len(events), "files": files_seen,
                    "event_ids": [e.get("event_id") for e in events if e.get("event_id") not in (None, "")],
                    **{k: events[0][k] for k in CLIENT_FIELDS if events[0].get(k)}}  # consent matches on client_email
            yield RawDoc(text=render(client, period, events), uri=group[0][2], line=None, client_id=client, meta=meta)
        db.close()
