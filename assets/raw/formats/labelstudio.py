"""Label Studio JSON exports: one document per task, the experts' judgement in its meta.

An export is a JSON array of tasks `{"id", "data": {"text", ...}, "annotations": [{"result":
[...]}]}`, streamed element by element. Meta of each document: `label` (the first `choices`
value, preferring from_name "quality"), `spans` (the `labels` results: start, end, text,
labels), `task_id`, `annotators`, and the task's other data fields
(assets/cleaned/privacy/quality.py reads them).
"""

from __future__ import annotations

from typing import Iterator, Optional

from assets.raw.formats.json_stream import json_array_items
from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions


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


def read_labelstudio(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name = options.text_field or "text"
    seen = 0
    for index, task, error in json_array_items(handle, options.max_doc_bytes):
        seen += 1
        if error == "empty":
            yield Quarantine(uri, "empty_file", None, "0 bytes or only whitespace")
        elif error is not None:
            yield Quarantine(uri, "broken_json", index, error)
        else:
            yield task_doc(task, uri, index, field_name)
    if not seen:
        yield Quarantine(uri, "empty_file", None, "an array without tasks")
