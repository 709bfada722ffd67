"""Arrow columns parsed from JSON back into JSON text, row by row, vectorized: the exact bytes
Python's `json.JSONEncoder(sort_keys=True, ensure_ascii=False)` writes for the same values, so a
record's `meta` is the same whether its line went through pyarrow or through `json.loads`.

Only what maps back without doubt is serialized: strings, integers, booleans, and lists and
objects of them. A null anywhere in a row (a JSON null, or a key the row lacks, which pyarrow
reads as null too) makes that row's result null: only the line itself can tell which it was. A
string holding a control character JSON writes as `\\u00XX` is null too (pyarrow's type inference
and Python's encoder agree on everything else). Floats raise `Unsupported`: pyarrow reads an
integer literal in a float column as a float, so its text cannot be recovered from the column.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

KEY = json.JSONEncoder(ensure_ascii=False)
NAMED_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"))
NEEDS_ESCAPE = '[\\\\"\\x00-\\x1f]'
OTHER_CONTROLS = "[\\x00-\\x07\\x0b\\x0e-\\x1f]"  # written as \u00XX by json: left to json itself


class Unsupported(Exception):
    """A column whose JSON text cannot be rebuilt from its values."""


def _string(values: pa.Array) -> pa.Array:
    if len(values) and pc.any(pc.match_substring_regex(values, NEEDS_ESCAPE)).as_py():
        values = pc.if_else(pc.match_substring_regex(values, OTHER_CONTROLS), pa.scalar(None, pa.string()), values)
        for raw, escaped in NAMED_ESCAPES:
            values = pc.replace_substring(values, raw, escaped)
    return pc.binary_join_element_wise('"', values, '"', "")


def to_json(values: pa.Array) -> pa.Array:
    """Each value as JSON text (a string array, null where a row holds a null)."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _string(values)
    if pa.types.is_integer(kind):
        return pc.cast(values, pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "true", "false")
    if pa.types.is_null(kind):
        return pa.nulls(len(values), pa.string())
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        items = to_json(pc.list_flatten(values))
        lengths = pc.fill_null(pc.list_value_length(values), 0).to_numpy(zero_copy_only=False)
        offsets = pa.array([0, *lengths.cumsum().tolist()], pa.int32())
        joined = pc.binary_join(pa.ListArray.from_arrays(offsets, items, mask=pc.is_null(values)), ", ")
        return pc.binary_join_element_wise("[", joined, "]", "")
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:
            return pc.if_else(pc.is_null(values), pa.scalar(None, pa.string()), "{}")
        fields = sorted(range(kind.num_fields), key=lambda i: kind.field(i).name)
        return object_json([kind.field(i).name for i in fields], [pc.struct_field(values, [i]) for i in fields], len(values), pc.is_null(values))
    raise Unsupported(f"{kind}")


def object_json(names: list[str], columns: list[pa.Array], length: int, null_rows=None) -> pa.Array:
    """`length` rows of JSON objects with keys `names` (sorted here) and the values of `columns`."""
    if not names:
        out = pa.array(["{}"] * length, pa.string())
    else:
        parts: list = []
        for n, i in enumerate(sorted(range(len(names)), key=lambda i: names[i])):
            parts += [("{" if n == 0 else ", ") + KEY.encode(names[i]) + ": ", to_json(columns[i])]
        out = pc.binary_join_element_wise(*parts, "}", "")
    if null_rows is not None:
        out = pc.if_else(null_rows, pa.scalar(None, pa.string()), out)
    return out
