"""How a tabular source's rows become knowledge-graph nodes and edges (`entities:` in sources.yaml).

The graph knows no built-in catalog schema: every house, the simulated one included, declares
which column holds a row's id, its name, its type, its aliases, and which columns name linked
entities. Column names are the table's own ("Product Code", "Main Material", ...).

    entities:
      id: Product Code
      name: Product Name
      type: product                       # or {column: type, values: [material, workshop]}
      aliases: Other Names                # optional
      links:                              # column -> type, or {type, relation, required}
        Main Material: material           # relation derived: has_material
        Collection: {type: collection, relation: part_of}
      separator: ";"                      # a cell may list several values
      questions: true                     # facts about these rows are asked (QA, dialogues)
"""

from __future__ import annotations

import re
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _identifier(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"{what} {value!r} must be lowercase letters, digits and '_' (it names nodes and relations)")
    return value


def slug(text: str) -> str:
    """`Made In` -> `made_in`: how a type or column becomes part of a derived relation name."""
    return "_".join(re.findall(r"[a-z0-9]+", text.casefold())) or "value"


class TypeFromColumn(BaseModel):
    """A table that mixes entity types (a reference table) names each row's type in a column."""

    model_config = ConfigDict(extra="forbid")

    column: str
    values: list[str] = Field(min_length=1, description="the types a cell may hold; any other value quarantines the row")

    @field_validator("values")
    @classmethod
    def _types(cls, values: list[str]) -> list[str]:
        return [_identifier(v, "type") for v in values]


class Link(BaseModel):
    """One column naming other entities: one edge per value, to a node of `type`."""

    model_config = ConfigDict(extra="forbid")

    type: str
    relation: Optional[str] = Field(None, description="edge type; derived from the type when absent (has_<type>)")
    required: bool = Field(True, description="an empty cell quarantines the row; false: the row simply has no such edge")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return _identifier(value, "type")

    @field_validator("relation")
    @classmethod
    def _relation(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else _identifier(value, "relation")


class EntityMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="column holding the row's id (unique per type)")
    name: str = Field(description="column holding the row's display name")
    type: Union[str, TypeFromColumn] = Field(description="the rows' entity type, or the column that holds it")
    aliases: Optional[str] = Field(None, description="column of other names (a list, or values split by `separator`)")
    links: dict[str, Union[str, Link]] = Field(default_factory=dict, description="column -> linked entity type (or a Link)")
    separator: Optional[str] = Field(None, min_length=1, description="splits a cell into several values (links and aliases)")
    questions: bool = Field(True, description="facts about these rows become evaluation questions, dialogues and Q&A")

    @field_validator("type")
    @classmethod
    def _type(cls, value):
        return _identifier(value, "type") if isinstance(value, str) else value

    @field_validator("links")
    @classmethod
    def _links(cls, links: dict) -> dict[str, Link]:
        return {column: Link(type=spec) if isinstance(spec, str) else spec for column, spec in links.items()}

    @model_validator(mode="after")
    def _relations_are_distinct(self) -> "EntityMapping":
        seen: dict[str, str] = {}
        for column, relation in self.relations().items():
            if relation in seen:
                raise ValueError(f"links {seen[relation]!r} and {column!r} both make relation {relation!r}: give one a `relation`")
            seen[relation] = column
        return self

    def relations(self) -> dict[str, str]:
        """column -> relation name. Rule: the given `relation`, else `has_<type>`; when two links
        of this mapping name the same type, `has_<column>` for those (Main/Lining Material ->
        has_main_material, has_lining_material)."""
        links: dict[str, Link] = self.links  # type: ignore[assignment]
        per_type: dict[str, int] = {}
        for link in links.values():
            if link.relation is None:
                per_type[link.type] = per_type.get(link.type, 0) + 1
        return {
            column: link.relation or (f"has_{link.type}" if per_type[link.type] == 1 else f"has_{slug(column)}")
            for column, link in links.items()
        }

    def row_types(self) -> list[str]:
        """The types this table's rows may have."""
        return [self.type] if isinstance(self.type, str) else list(self.type.values)

    def columns(self) -> dict[str, str]:
        """mapping key -> column, for every column the mapping reads (to check the table has them)."""
        named = {"id": self.id, "name": self.name}
        if isinstance(self.type, TypeFromColumn):
            named["type.column"] = self.type.column
        if self.aliases:
            named["aliases"] = self.aliases
        named.update({f"links.{column}": column for column in self.links})
        return named
