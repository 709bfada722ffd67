"""Copy written from catalog facts: many phrasings of true statements, so a small model has real
facts to learn and no single template to memorise. Everything draws from the caller's rng."""

from __future__ import annotations

import random
import re

from assets.raw.simulator.world import Product, World

ALTERNATIVES = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")


def fill(rng: random.Random, template: str, f: dict) -> str:
    """Pick one of each [a|b|c] group, then put the facts in: the same fact, many wordings."""
    return ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template).format(**f)


def facts(world: World, p: Product) -> dict:
    mats = [world.get("material", m) for m in p.materials]
    techs = [world.get("technique", t) for t in p.techniques]
    coll = world.get("collection", p.collection)
    return {
        "name": p.name, "sku": p.sku, "item": p.item,
        "A_item": ("An " if p.item[0] in "aeiou" else "A ") + p.item, "price": f"{p.price_eur:,}".replace(",", " "),
        "mat": mats[0].name, "mat_origin": mats[0].facts["origin"], "mat_quality": mats[0].facts["quality"],
        "mats": " and ".join(m.name for m in mats),
        "tech": techs[0].name, "tech_how": techs[0].facts["how"],
        "coll": coll.name, "year": coll.facts["year"], "inspiration": coll.facts["inspiration"],
        "designer": world.get("designer", p.designer).name,
        "workshop": world.get("workshop", p.workshop).name, "city": world.get("workshop", p.workshop).relations["city"],
        "artisan": world.get("artisan", p.artisan).name, "hours": p.hours,
    }


OPENINGS = [
    "The {name} is [cut from|made in|built from|worked in] {mats} and [finished with|closed by|edged with] {tech}.",
    "[Made|Crafted|Assembled|Sewn] at {workshop} in {city}, the {name} [pairs|combines|marries] {mats} with {tech}.",
    "From the {coll} collection, the {name} [shows|proves|demonstrates] what {tech} can do for {mat}.",
    "{designer} [drew|sketched|designed|imagined] the {name} for {coll}, a collection [inspired by|built around|born from] {inspiration}.",
    "The {name} ({sku}) [belongs to|is part of|comes from] {coll} and is [made|cut|worked] in {mats}.",
    "In {mats}, the {name} is one of the [quieter|more discreet|most restrained|boldest] pieces of {coll}.",
    "{A_item} in {mats}: the {name} is made by hand at {workshop}.",
    "Few pieces in {coll} take as long as the {name}: {hours} hours at {workshop}.",
    "[Behind|Inside] the {name} [lie|are] {hours} hours of [work|handwork|patient work] in {city}.",
    "[Consider|Take|Look at] the {name}: {mats}, {tech}, and the hand of {artisan}.",
    "The {name} [started as|began as|was first] a sketch by {designer} for {coll}.",
]
DETAILS = [
    "{mat} is {mat_quality}, and the house [buys|sources|orders] it from {mat_origin}.",
    "For {tech}, {tech_how}.",
    "{artisan} made the first one at {workshop} and still [checks|inspects|signs off] every piece.",
    "One artisan needs about {hours} hours to [finish|complete|make] it.",
    "It [sells for|costs|is priced at] {price} euros in the boutiques.",
    "The collection, [shown|presented|first seen] in {year}, takes its [mood|colours|name] from {inspiration}.",
    "The {mat} comes from {mat_origin}; the house has bought there for [decades|generations|many years].",
    "Because {tech_how}, the work cannot be [hurried|rushed|automated].",
    "The workshop in {city} keeps a [record|ledger|register] of who made each piece.",
    "{designer} asked for {tech} after seeing it done at {workshop}.",
    "The {item} is signed inside with the initials of {artisan}.",
    "Its price, {price} euros, reflects {hours} hours of handwork.",
    "[Only|Just] a few artisans at {workshop} are trained in {tech}.",
    "The [lining|inside|reverse] is finished as carefully as the [outside|face|front].",
    "[Ask|Clients ask] for the {name} by name; the boutiques keep a waiting list.",
    "{mat} [ages|wears|softens] well: after a few years it [takes on|gains|develops] a patina.",
]
CLOSINGS = [
    "It is repaired at {workshop} for as long as it is worn.",
    "Each piece is [numbered|registered|recorded in the workshop ledger].",
    "It is made to order in small [runs|batches|series].",
    "The {name} is available in the boutiques and by appointment.",
    "[Care|Cleaning] is done [only|exclusively] at {workshop}.",
    "",
    "",
]


def describe(rng: random.Random, world: World, p: Product, sentences: int = 3) -> str:
    f = facts(world, p)
    parts = [rng.choice(OPENINGS)] + rng.sample(DETAILS, sentences - 1) + [rng.choice(CLOSINGS)]
    return " ".join(fill(rng, s, f) for s in parts if s)


CRAFT = [
    "{artisan} works the {mat} at {workshop}: {tech_how}.",
    "The {name} needs {hours} hours of {tech}, [counted|logged|written down] on the workshop sheet in {city}.",
    "{mat} arrives from {mat_origin}; the cutter [rejects|sets aside|refuses] any skin with a [scar|mark|flaw] near the panel.",
    "Every seam of the {name} is done in {tech}, and {tech_how}.",
    "The pattern for the {item} has [eleven|nine|fourteen|seven] pieces, cut by hand with a [round knife|paring knife|shear].",
    "The thread is waxed linen, [six|four|eight] strands, matched to the colour of the {mat}.",
    "Before assembly the panels of {mat} rest flat for [a day|two days|a night] so that the fibres settle.",
    "[Stitch length|The stitch] is set at [eight|seven|nine] per centimetre for the {item}.",
]
VAGUE = [
    "Discover a world of timeless elegance.", "An icon, reinvented for today.", "Luxury like never before.",
    "Pure emotion, pure style.", "The must-have of the season.", "Elegance is an attitude.",
    "Be yourself, be unforgettable.", "A new chapter of the dream begins.", "Iconic. Effortless. Yours.",
    "Celebrate the art of living.", "Where heritage meets modernity.", "A statement of refined taste.",
    "Live the legend.", "Simply irresistible.", "An invitation to dream.",
]
SPAM = [
    "BEST replica bags CHEAP!!! Click here >>> www.luxe-deals-outlet.biz <<< 90% OFF today only",
    "Buy cheap designer handbags online free shipping discount code LUXE2024 LUXE2024 LUXE2024",
    "WIN a free tote!!! Enter your card details now to claim your prize. Limited offer. Act now!!!",
    "casino bonus casino bonus free spins luxury watches cheap replica best price guaranteed",
]


def craft_text(rng: random.Random, world: World, p: Product) -> str:
    f = facts(world, p)
    return " ".join(fill(rng, s, f) for s in rng.sample(CRAFT, rng.randrange(3, 5)))


def vague_text(rng: random.Random, world: World, p: Product) -> str:
    lines = rng.sample(VAGUE, rng.randrange(3, 6))
    if rng.random() < 0.5:
        lines.insert(rng.randrange(len(lines)), f"The {p.name}.")
    return " ".join(lines)


def spam_text(rng: random.Random) -> str:
    return " ".join(rng.sample(SPAM, rng.randrange(2, 4)))


LOOK_INTROS = [
    "Look {n} opens with {designer}'s idea of {inspiration}.",
    "For look {n}, the stylist kept the palette to two colours.",
    "Look {n} is built around a single piece of {mat}.",
    "In look {n}, {coll} moves from day to evening.",
]


def lookbook(rng: random.Random, world: World, products: list[Product], n: int) -> str:
    lead = products[0]
    f = facts(world, lead)
    lines = [f"# {f['coll']} — look {n}", "", fill(rng, rng.choice(LOOK_INTROS), {"n": n, **f}), ""]
    for p in products:
        lines += [f"## {p.name}", "", describe(rng, world, p, sentences=rng.randrange(2, 5)), ""]
    if rng.random() < 0.5:
        lines += [f"*Styling notes:* worn with the {products[-1].name}, sleeves pushed up, no jewellery.", ""]
    return "\n".join(lines)


PRESS = {
    "en": {
        "heads": ["{coll}: {designer} returns to {inspiration}", "The house opens its {city} workshop to visitors",
                  "{name} unveiled at the {year} show", "Inside {workshop}: {hours} hours for one {item}"],
        "body": ["{designer} presented {coll} this season, a collection inspired by {inspiration}.",
                 "At the centre of the show was the {name}, made in {mats} at {workshop}.",
                 "The house says each {item} takes {hours} hours of handwork in {city}.",
                 "{artisan}, who trained at {workshop}, led the team that developed the piece.",
                 "The collection relies on {tech}; {tech_how}.",
                 "{mat} is sourced from {mat_origin}, where the house has long-standing suppliers.",
                 "Prices start at {price} euros; the pieces reach the boutiques next month.",
                 "Visitors to {city} can book a tour of the workshop through the boutiques."],
    },
    "fr": {
        "heads": ["{coll} : {designer} revient à ses sources", "La maison ouvre les portes de {workshop}",
                  "Le {name} dévoilé lors du défilé {year}", "À {city}, {hours} heures pour un seul modèle"],
        "body": ["{designer} a présenté cette saison la collection {coll}, inspirée par {inspiration}.",
                 "Au cœur du défilé, le {name}, réalisé en {mats} à {workshop}.",
                 "Selon la maison, chaque pièce demande {hours} heures de travail à la main à {city}.",
                 "{artisan}, formé à {workshop}, a dirigé l'équipe qui a mis au point le modèle.",
                 "La collection repose sur le savoir-faire {tech}, transmis d'artisan à artisan.",
                 "Le {mat} provient de {mat_origin}, où la maison travaille avec les mêmes fournisseurs depuis des décennies.",
                 "Les prix débutent à {price} euros ; les pièces arrivent en boutique le mois prochain."],
    },
    "it": {
        "heads": ["{coll}: {designer} torna alle origini", "La maison apre le porte di {workshop}",
                  "Il {name} svelato alla sfilata {year}", "A {city}, {hours} ore per un solo modello"],
        "body": ["{designer} ha presentato in questa stagione la collezione {coll}, ispirata a {inspiration}.",
                 "Al centro della sfilata il {name}, realizzato in {mats} presso {workshop}.",
                 "Secondo la maison, ogni pezzo richiede {hours} ore di lavoro a mano a {city}.",
                 "{artisan}, formatosi presso {workshop}, ha guidato la squadra che ha sviluppato il modello.",
                 "La collezione si basa sulla tecnica {tech}, tramandata da artigiano ad artigiano.",
                 "Il {mat} proviene da {mat_origin}, dove la maison lavora con gli stessi fornitori da decenni.",
                 "I prezzi partono da {price} euro; i pezzi arriveranno in boutique il mese prossimo."],
    },
}


def press_article(rng: random.Random, world: World, p: Product, lang: str) -> tuple[str, list[str]]:
    """A headline and paragraphs about one product and its collection."""
    f = facts(world, p)
    f["mats"] = f["mats"].replace(" and ", {"fr": " et ", "it": " e "}.get(lang, " and "))
    pool = PRESS[lang]
    body = rng.sample(pool["body"], rng.randrange(4, len(pool["body"]) + 1))
    paragraphs, i = [], 0
    while i < len(body):
        k = rng.randrange(1, 4)
        paragraphs.append(" ".join(fill(rng, s, f) for s in body[i:i + k]))
        i += k
    return fill(rng, rng.choice(pool["heads"]), f), paragraphs


QUESTIONS = [
    ("Where did {coll} begin?", ["It began with {inspiration}. I kept a wall of pictures for months.",
                                 "With {inspiration}, really. Everything else came after."]),
    ("Why {mat}?", ["Because {mat} is {mat_quality}. It takes colour and keeps its shape.",
                    "I touched it at the mill and knew. It comes from {mat_origin}."]),
    ("How do you work with {workshop}?", ["I go to {city} every week. {artisan} tells me when an idea is wrong.",
                                          "We argue, then we sample. The workshop always has the last word."]),
    ("What is hard about the {name}?", ["The {tech}. {tech_how_cap}, and nobody can rush that.",
                                        "Getting it under {hours} hours without losing anything."]),
    ("What do you want people to feel?", ["That someone made it for them.", "Calm. Nothing shouts in {coll}."]),
    ("What comes next?", ["More work with {workshop}, and fewer pieces.", "I want to go back to {mat}, in a darker colour."]),
]


def interview(rng: random.Random, world: World, p: Product, journalist: str) -> list[tuple[str, str]]:
    f = facts(world, p)
    f["tech_how_cap"] = f["tech_how"][0].upper() + f["tech_how"][1:]
    picked = rng.sample(QUESTIONS, rng.randrange(4, len(QUESTIONS) + 1))
    return [(fill(rng, q, f), fill(rng, rng.choice(answers), f)) for q, answers in picked]


NOTES = [
    "Batch of {mat} from {mat_origin} checked this morning: [two|three|four] [skins|pieces|rolls] set aside for marks.",
    "{tech} on the {name}: {hours} hours on the sheet, [one hour|half an hour|two hours] over because of the [corners|handles|lining].",
    "Reminder for the apprentices: for {tech}, {tech_how}.",
    "{designer} came by to look at the {coll} samples; asked for a [softer|sharper|thinner] edge on the {item}.",
    "The {name} prototype is approved. Thread colour matched to the {mat}.",
    "Humidity [high|very high|low] today, [leather|cloth|material] kept in the [cold room|dry room|store] before cutting.",
    "Repair in for a {name} sold in {year}: [stitching redone|handle replaced|lining changed], edges repainted.",
    "[Order|Delivery] of {mat} [late|on time|short by two pieces]; told the office.",
    "Apprentice [practised|tried|started] {tech} on offcuts of {mat}.",
]


def workshop_note(rng: random.Random, world: World, p: Product, artisan: str, day: str) -> str:
    f = facts(world, p)
    lines = [f"{day} — {artisan}, {f['workshop']}"] + [fill(rng, s, f) for s in rng.sample(NOTES, rng.randrange(3, 6))]
    return "\n".join(lines) + "\n"


ESSAY = [
    "In the archive, the first mention of {tech} dates from the founding of {workshop}.",
    "The ledgers show that {mat} was bought from {mat_origin} even in the lean years.",
    "{designer}'s {coll} was, in hindsight, a return to the house's oldest habits.",
    "Letters kept in {city} describe apprentices practising {tech} for a year before touching a client piece.",
    "Prices were written in pencil, and the {item} cost then what a month's wage cost.",
    "The {name} is a descendant of these early pieces, though nobody planned it so.",
    "What survives is less a style than a way of working: slowly, by hand, with a name on each piece.",
    "Photographs from {city} show the same [benches|tools|tables] still in use at {workshop}.",
]


def essay(rng: random.Random, world: World, products: list[Product], title: str) -> str:
    paragraphs = []
    for p in products:
        f = facts(world, p)
        paragraphs.append(" ".join(fill(rng, s, f) for s in rng.sample(ESSAY, rng.randrange(3, 6))))
    return f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"


AGENCY = [
    "Trend watchers expect {mat} to lead next season's accessories.",
    "Buyers at the {year} shows singled out the {name}.",
    "Resale prices for {coll} pieces have held above retail.",
    "Competitors are hiring artisans trained in {tech}.",
    "Sources say the house will expand {workshop} in {city}.",
]


def agency_wire(rng: random.Random, world: World, p: Product, n: int) -> str:
    f = facts(world, p)
    return f"WIRE {n:05d} — " + " ".join(fill(rng, s, f) for s in rng.sample(AGENCY, rng.randrange(2, 4)))
