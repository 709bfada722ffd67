"""Label Studio JSON exports: one document per task, the experts' judgement in its meta.

An export is a JSON array of tasks `{"id", "data": {"text", ...}, "annotations": [{"result":
[...]}]}`. The array is parsed element by element from blocks, so a large export is never held
whole. Meta of each document: `label` (the first `choices` value, preferring from_name
"quality"), `spans` (the `labels` results: start, end, text, labels), `task_id`, and the task's
other data fields. `assets.raw.ingest.read_annotations` returns them as a table.
"""

from __future__ import annotations

import codecs
import json
from typing import Iterator, Optional

from assets.raw.readers import BLOCK, Item, Quarantine, RawDoc, ReadOptions

WHITESPACE = " \t\r\n"


def json_array_items(handle, limit: int) -> Iterator[tuple[int, object, Optional[str]]]:
    """(1-based index, element, None) per element of a top-level JSON array, or
    (index, None, error) once when the rest cannot be parsed (the array's end is then lost)."""
    decoder, text_of = json.JSONDecoder(), codecs.getincrementaldecoder("utf-8-sig")()
    buffer, pos, index, eof = "", 0, 0, False

    def more() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        block = handle.read(BLOCK)
        eof = not block
        buffer = buffer[pos:] + text_of.decode(block, final=eof)
        pos = 0
        return bool(block)

    def skip(chars: str) -> None:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in chars:
                pos += 1
            if pos < len(buffer) or not more():
                return

    try:
        skip(WHITESPACE)
        if pos >= len(buffer) or buffer[pos] != "[":
            yield 1, None, "not a JSON array" if pos < len(buffer) else "empty"
            return
        pos += 1
        while True:
            skip(WHITESPACE + ",")
            if pos >= len(buffer):
                yield index + 1, None, "unterminated array"
                return
            if buffer[pos] == "]":
                return
            index += 1
            while True:
                try:
                    element, pos = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError as exc:
                    if len(buffer) - pos > limit:
                        yield index, None, f"element over {limit} bytes"
                        return
                    if not more():
                        yield index, None, str(exc)
                        return
            yield index, element, None
    except UnicodeDecodeError as exc:
        yield index + 1, None, f"undecodable bytes: {exc}"


def quality_label(results: list) -> Optional[str]:
    choices = [r for r in results if isinstance(r, dict) and r.get("type") == "choices"]
    choices.sort(key=lambda r: r.get("from_name") != "quality")  # the quality question first
    for result in choices:
        values = (result.get("value") or {}).get("choices") or []
        if values:
            return str(values[0])
    return None


def spans(results: list) -> list[dict]:
    out = []
    for result in results:
        if isinstance(result, dict) and result.get("type") == "labels":
            value = result.get("value") or {}
            out.append({k: value.get(k) for k in ("start", "end", "text", "labels")})
    return out


def task_doc(task, uri: str, index: int, field_name: str) -> Item:
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        return Quarantine(uri, "not_a_task", index, "a task needs a 'data' object")
    text = task["data"].get(field_name)
    if not isinstance(text, str):
        return Quarantine(uri, "missing_text_field", index, f"no string data.{field_name}")
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    results = annotations[0].get("result") or [] if annotations else []
    label = quality_label(results)
    if label is None:
        return Quarantine(uri, "missing_label", index, f"task {task.get('id')}: no choices result")
    data = {k: v for k, v in task["data"].items() if k != field_name}
    meta = {**data, "task_id": task.get("id"), "label": label, "spans": spans(results), "annotators": len(annotations)}
    return RawDoc(text=text, uri=uri, line=index, client_id=None, meta=meta)


def read_tasks(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name = options.text_field or "text"
    seen = 0
    for index, task, error in json_array_items(handle, options.max_doc_bytes):
        seen += 1
        if error == "empty":
            yield Quarantine(uri, "empty_file")
        elif error is not None:
            yield Quarantine(uri, "broken_json", index, error)
        else:
            yield task_doc(task, uri, index, field_name)
    if not seen:
        yield Quarantine(uri, "empty_file", None, "an array without tasks")
