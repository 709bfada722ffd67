"""The house's entities and catalog: the facts every piece of prose is made from."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from assets.raw.simulator import vocab


@dataclass
class Entity:
    id: str
    type: str
    name: str
    aliases: list[str]
    description: str = ""
    relations: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # for prose only, not written to reference files


@dataclass
class Product:
    sku: str
    name: str
    aliases: list[str]
    item: str
    category: str
    materials: list[str]
    techniques: list[str]
    collection: str
    workshop: str
    artisan: str
    designer: str
    price_eur: int
    hours: int


@dataclass
class World:
    entities: dict[str, dict[str, Entity]]  # type -> id -> entity
    products: list[Product]

    def get(self, type_: str, id_: str) -> Entity:
        return self.entities[type_][id_]

    def all(self, type_: str) -> list[Entity]:
        return list(self.entities[type_].values())


def build_world(rng: random.Random, n_products: int) -> World:
    ents: dict[str, dict[str, Entity]] = {t: {} for t in
                                          ("material", "technique", "collection", "designer", "workshop", "artisan", "boutique")}
    for id_, name, aliases, origin, quality in vocab.MATERIALS:
        ents["material"][id_] = Entity(id_, "material", name, aliases,
                                       f"{name} is {quality}, sourced from {origin}.", facts={"origin": origin, "quality": quality})
    for id_, name, aliases, how in vocab.TECHNIQUES:
        ents["technique"][id_] = Entity(id_, "technique", name, aliases, f"{name}: {how}.", facts={"how": how})
    for id_, name, aliases, born, signature in vocab.DESIGNERS:
        ents["designer"][id_] = Entity(id_, "designer", name, aliases,
                                       f"{name}, born in {born}, is known for {signature}.", facts={"born": born, "signature": signature})
    for id_, name, aliases, designer, year, inspiration in vocab.COLLECTIONS:
        d = ents["designer"][designer].name
        ents["collection"][id_] = Entity(id_, "collection", name, aliases,
                                         f"{name} ({year}), designed by {d}, is inspired by {inspiration}.",
                                         relations={"designer_id": designer}, facts={"year": year, "inspiration": inspiration})
    for id_, name, aliases, city, founded in vocab.WORKSHOPS:
        ents["workshop"][id_] = Entity(id_, "workshop", name, aliases, f"{name} was founded in {city} in {founded}.",
                                       relations={"city": city}, facts={"founded": founded})
    for id_, name, aliases, city, street in vocab.BOUTIQUES:
        ents["boutique"][id_] = Entity(id_, "boutique", name, aliases, f"{name} stands on {street} in {city}.",
                                       relations={"city": city}, facts={"street": street})
    technique_ids = list(ents["technique"])
    used: set[str] = set()
    for workshop in ents["workshop"].values():
        for _ in range(rng.randrange(3, 6)):
            country = "fr" if workshop.name.startswith("Atelier") else "it"
            while True:
                name = f"{rng.choice(vocab.FIRST[country])} {rng.choice(vocab.LAST[country])}"
                if name not in used:
                    used.add(name)
                    break
            id_ = "artisan-" + "".join(c for c in name.lower() if c.isalnum())
            techniques = sorted(rng.sample(technique_ids, rng.randrange(1, 4)))
            years = rng.randrange(4, 38)
            tnames = ", ".join(ents["technique"][t].name for t in techniques)
            ents["artisan"][id_] = Entity(id_, "artisan", name, [name.split()[-1]],
                                          f"{name} has worked at {workshop.name} for {years} years and masters {tnames}.",
                                          relations={"workshop_id": workshop.id, "technique_ids": techniques},
                                          facts={"years": years})

    names = [(stem, item[0]) for stem in vocab.STEMS for item in vocab.ITEMS]
    rng.shuffle(names)
    items = {item: (category, lo, hi) for item, category, lo, hi in vocab.ITEMS}
    artisans = list(ents["artisan"].values())
    products = []
    for index, (stem, item) in enumerate(names[:n_products]):
        category, lo, hi = items[item]
        collection = rng.choice(list(ents["collection"].values()))
        artisan = rng.choice(artisans)
        products.append(Product(
            sku=f"AT-{index + 1:05d}",
            name=f"{stem} {item}",
            aliases=[f"the {stem}", f"{stem} {category}" if category != item else f"{stem} piece"],
            item=item,
            category=category,
            materials=sorted(rng.sample(list(ents["material"]), rng.choice([1, 1, 2]))),
            techniques=sorted(set([rng.choice(artisan.relations["technique_ids"])] +
                                  rng.sample(technique_ids, rng.choice([0, 1])))),
            collection=collection.id,
            workshop=artisan.relations["workshop_id"],
            artisan=artisan.id,
            designer=collection.relations["designer_id"],
            price_eur=rng.randrange(max(3, lo) * 40, hi * 600, 50),
            hours=rng.randrange(lo, hi + 1),
        ))
    return World(ents, products)
