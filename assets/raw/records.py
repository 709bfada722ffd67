"""A record (a JSON object, a CSV row, a Parquet row) into a document: its text field, the
client it concerns, and every other field as meta.

A text field may hold a conversation instead of a string: a list of turns, each a
`[speaker, text]` pair, a `{"speaker"|"role": ..., "text"|"content": ...}` object or a plain
string. The document's text is then one line per turn, `speaker: text` (customer-service
exports such as ABCD's, chat logs), which keeps who said what for the privacy and QA stages.
"""

from __future__ import annotations

from typing import Optional

from assets.raw.items import Item, Quarantine, RawDoc

SPEAKER_KEYS = ("speaker", "role", "author", "from")
TEXT_KEYS = ("text", "content", "message", "value")


def _turn(turn) -> Optional[str]:
    if isinstance(turn, str):
        return turn
    if isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(t, str) for t in turn):
        return f"{turn[0]}: {turn[1]}"
    if isinstance(turn, dict):
        text = next((turn[k] for k in TEXT_KEYS if isinstance(turn.get(k), str)), None)
        speaker = next((turn[k] for k in SPEAKER_KEYS if isinstance(turn.get(k), str)), None)
        if text is not None:
            return f"{speaker}: {text}" if speaker else text
    return None


def turns_text(turns: list) -> tuple[Optional[str], Optional[int]]:
    """(the conversation's text, None), or (None, 1-based index of the first turn that is none of
    the shapes above)."""
    lines = []
    for index, turn in enumerate(turns, 1):
        line = _turn(turn)
        if line is None:
            return None, index
        lines.append(line)
    return "\n".join(lines), None


def client_of(record: dict) -> Optional[str]:
    value = record.get("client_id")
    return None if value is None or value == "" else str(value)


def record_doc(record: dict, uri: str, line: int, field_name: str) -> Item:
    text = record.get(field_name)
    if isinstance(text, list):
        text, bad = turns_text(text)
        if text is None:
            return Quarantine(uri, "missing_text_field", line, f"field {field_name!r} is a list, but turn {bad} is not "
                              "[speaker, text], {speaker, text} or a string")
    if not isinstance(text, str):
        found = "absent" if field_name not in record else f"a {type(text).__name__}"
        return Quarantine(uri, "missing_text_field", line, f"no string field {field_name!r} ({found}; fields: {', '.join(map(str, list(record)[:12]))})")
    meta = {k: v for k, v in record.items() if k != field_name}
    return RawDoc(text=text, uri=uri, line=line, client_id=client_of(record), meta=meta)
