"""simulate(): write a fictional house's landing folder, its sources.yaml and the ground truth.

Deterministic: each source draws from its own `random.Random(f"{seed}:{source}")` and files are
written in a fixed order, so the same seed and size give byte-identical folders. Sources are
streamed to disk row by row, so `docs=200_000` needs little memory. The folder is built beside the
target and renamed into place, so a crash never leaves half a sample where the pipeline reads.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path


from assets.raw.simulator import clients, formats, prose
from assets.raw.simulator.pii import make_client
from assets.raw.simulator.sources import write_sources
from assets.raw.simulator.truth import GroundTruth, write_ground_truth
from assets.raw.simulator.vocab import ITEMS, STEMS
from assets.raw.simulator.world import World, build_world

DATA = Path(__file__).resolve().parent / "data"  # shipped with the package: see data/README.md
REVIEWS_CSV = DATA / "womens_clothing_ecommerce_reviews.csv.gz"
ROWS_PER_FILE = 5000


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


def _jsonl(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"


def simulate(out: str | os.PathLike, docs: int = 1500, seed: int = 7) -> dict:
    """Write the house into `out` (replaced whole); return a summary of what was written."""
    if docs < 100:
        raise ValueError(f"docs={docs}: the simulation needs at least 100 documents to plant all its noise")
    final = Path(out)
    root = final.parent / (final.name + ".partial")
    if root.exists():
        shutil.rmtree(root)
    landing = root / "landing"
    (root / "ground_truth").mkdir(parents=True)
    gt = GroundTruth(root / "ground_truth")

    world = build_world(_rng(seed, "world"), n_products=min(len(STEMS) * len(ITEMS), max(40, docs // 10)))
    counts: dict[str, int] = {}
    counts["catalog"] = _catalog(landing, world, _rng(seed, "catalog"), gt)
    counts["reference"] = _reference(landing, world, gt)
    looks = _lookbook(landing, world, _rng(seed, "lookbook"), max(10, docs // 12), gt)
    counts["lookbook"] = len(looks)
    counts["press"] = _press(landing, world, _rng(seed, "press"), max(30, docs // 12), gt)
    counts["interviews"], counts["presskits"] = _interviews(landing, world, _rng(seed, "interviews"),
                                                            max(4, min(300, docs // 80)), max(2, min(100, docs // 300)), gt)
    public = frozenset(e.name for t in ("designer", "artisan") for e in world.all(t))
    people = _clients(_rng(seed, "clients"), max(20, docs // 8), public)
    boutiques = [b.id for b in world.all("boutique")]
    counts["events"] = _events(landing, world, _rng(seed, "events"), people, boutiques, gt)
    counts["transcripts"] = _transcripts(landing, world, _rng(seed, "transcripts"), people, max(25, docs // 5), gt)
    counts["reviews"] = _reviews(landing, _rng(seed, "reviews"), min(20000, max(50, docs // 5)), gt)
    counts["annotations"] = _annotations(landing, world, _rng(seed, "annotations"), max(30, docs // 15), gt)
    counts["agency"] = _agency(landing, world, _rng(seed, "agency"), max(10, docs // 25), looks, gt)
    counts["archive"] = _archive(landing, world, _rng(seed, "archive"), max(3, docs // 150), gt)
    counts["notes"] = _notes(landing, world, _rng(seed, "notes"), max(25, docs // 12), gt)
    counts["notes"] += _contaminated_notes(landing, world, _rng(seed, "contamination"), max(3, docs // 300), gt)
    gt.pii.close()

    opted = [c for c in people if c.opted_out]
    opted_out = sorted(c.client_id for c in opted) + sorted(c.email for c in opted)
    write_ground_truth(root / "ground_truth", world, gt, opted)
    write_sources(root / "sources.yaml", opted_out)

    if final.exists():
        shutil.rmtree(final)
    root.rename(final)
    return {"out": str(final), "docs": sum(counts.values()), "clients": len(people),
            "opted_out": len(opted), **counts}


def _catalog(landing: Path, world: World, rng: random.Random, gt: GroundTruth) -> int:
    (landing / "catalog").mkdir(parents=True)
    with open(landing / "catalog" / "products.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for line, p in enumerate(world.products, 1):
            gt.fate("catalog", "landing/catalog/products.jsonl", line, "clean")
            f.write(_jsonl({"sku": p.sku, "name": p.name, "aliases": p.aliases, "materials": p.materials,
                            "techniques": p.techniques, "collection": p.collection, "workshop": p.workshop,
                            "artisan": p.artisan, "designer": p.designer, "price_eur": p.price_eur,
                            "description": prose.describe(rng, world, p, sentences=rng.randrange(2, 5))}))
    return len(world.products)


def _reference(landing: Path, world: World, gt: GroundTruth) -> int:
    (landing / "reference").mkdir(parents=True)
    n = 0
    for type_, entities in world.entities.items():
        with open(landing / "reference" / f"{type_}s.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for line, e in enumerate(entities.values(), 1):
                gt.fate("reference", f"landing/reference/{type_}s.jsonl", line, "clean")
                f.write(_jsonl({"id": e.id, "type": e.type, "name": e.name, "aliases": e.aliases,
                                "description": e.description, **e.relations}))
                n += 1
    return n


def _lookbook(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> list[str]:
    folder = landing / "lookbook"
    folder.mkdir(parents=True)
    written = []
    by_collection: dict[str, list] = {}
    for p in world.products:
        by_collection.setdefault(p.collection, []).append(p)
    groups = [by_collection[k] for k in sorted(by_collection)]
    for i in range(n):
        group = groups[i % len(groups)]
        text = prose.lookbook(rng, world, rng.sample(group, min(len(group), rng.randrange(2, 4))), i + 1)
        name = f"landing/lookbook/look-{i:05d}.md"
        (folder / f"look-{i:05d}.md").write_text(text, encoding="utf-8", newline="\n")
        written.append(name)
        gt.fate("lookbook", name, None, "clean")
    # Noise: the same look filed twice, and looks re-edited by a few words.
    for i in range(0, n, 40):
        name = written[i]
        text = (landing.parent / name).read_text(encoding="utf-8")
        copy = f"landing/lookbook/look-{i:05d}-copy.md"
        (folder / f"look-{i:05d}-copy.md").write_text(text, encoding="utf-8", newline="\n")
        gt.pair((name, None), (copy, None), "exact", 1.0)
        gt.fate("lookbook", copy, None, "exact_duplicate")
    for i in range(5, n, 25):
        name = written[i]
        text = (landing.parent / name).read_text(encoding="utf-8")
        edited = formats.near_duplicate(rng, text)
        if edited is not None:
            copy = f"landing/lookbook/look-{i:05d}-v2.md"
            (folder / f"look-{i:05d}-v2.md").write_text(edited, encoding="utf-8", newline="\n")
            gt.pair((name, None), (copy, None), "near", formats.jaccard(text, edited))
            gt.fate("lookbook", copy, None, "near_duplicate")
    return written


def _foreign_sentences(lang: str) -> list[str]:
    path = DATA / f"lingua_sentences_{lang}.txt"
    if not path.exists():
        raise FileNotFoundError(f"{path}: reference sentences for the other-language pages are missing")
    return [s.strip() for s in path.read_text(encoding="utf-8", errors="strict").splitlines() if len(s.strip()) > 40]


def _press(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> int:
    folder = landing / "press"
    folder.mkdir(parents=True)
    foreign = {lang: _foreign_sentences(lang) for lang in ("de", "es")}
    base = datetime(2017, 1, 1)
    titles: list[str] = []
    originals: dict[int, tuple[str, str, list[str], str, str]] = {}  # the pages that get a near-duplicate
    foreign_pages = 0
    for i in range(n):
        date = (base + timedelta(days=rng.randrange(0, 3650))).strftime("%Y-%m-%d")
        p = rng.choice(world.products)
        roll = rng.random()
        if i % 37 == 3:  # spam that slipped into the CMS
            lang, title, fate = "en", "Exclusive offer", "spam"
            paragraphs = [prose.spam_text(rng) for _ in range(rng.randrange(1, 3))]
        elif i % 41 == 7:  # a page that is nothing but chrome
            lang, title, paragraphs, fate = "en", "Page not found", ["The page you are looking for no longer exists."], "boilerplate"
        elif i % 29 in (11, 19):  # syndicated pages in languages the house does not publish in
            lang, fate = ("de", "es")[foreign_pages % 2], "other_language"
            foreign_pages += 1
            title = rng.choice(foreign[lang])[:60]
            paragraphs = [" ".join(rng.sample(foreign[lang], 3)) for _ in range(rng.randrange(2, 4))]
        else:
            lang, fate = ("en" if roll < 0.6 else ("fr" if roll < 0.8 else "it")), "clean"
            title, paragraphs = prose.press_article(rng, world, p, lang)
            if i % 30 == 2:
                originals[i] = (f"page-{i:05d}.html", title, paragraphs, lang, date)
        related = rng.sample(titles, min(3, len(titles)))
        (folder / f"page-{i:05d}.html").write_text(formats.html_page(title, paragraphs, lang, date, related),
                                                   encoding="utf-8", newline="\n")
        gt.fate("press", f"landing/press/page-{i:05d}.html", None, fate)
        titles.append(title)
    extra = 0
    for i in sorted(originals):
        name, title, paragraphs, lang, date = originals[i]
        text = "\n\n".join(paragraphs)
        edited = formats.near_duplicate(rng, text)
        if edited is None:
            continue
        copy = f"page-{i:05d}-amp.html"
        (folder / copy).write_text(formats.html_page(title, edited.split("\n\n"), lang, date, rng.sample(titles, 3)),
                                   encoding="utf-8", newline="\n")
        gt.pair((f"landing/press/{name}", None), (f"landing/press/{copy}", None), "near", formats.jaccard(text, edited))
        gt.fate("press", f"landing/press/{copy}", None, "near_duplicate")
        extra += 1
    return n + extra


def _interviews(landing: Path, world: World, rng: random.Random, n_docx: int, n_pdf: int, gt: GroundTruth) -> tuple[int, int]:
    (landing / "interviews").mkdir(parents=True)
    (landing / "presskits").mkdir(parents=True)
    journalists = ["Claire Mercier", "Tom Ashby", "Giulia Serra", "Nadia Okafor"]
    for i in range(n_docx):
        p = rng.choice(world.products)
        designer = world.get("designer", p.designer).name
        journalist = rng.choice(journalists)
        qa = prose.interview(rng, world, p, journalist)
        intro = f"{journalist} met {designer} at {world.get('workshop', p.workshop).name} to talk about {world.get('collection', p.collection).name}."
        data = formats.docx_bytes(f"Interview with {designer}", qa, intro)
        (landing / "interviews" / f"interview-{i:04d}.docx").write_bytes(data)
        gt.fate("interviews", f"landing/interviews/interview-{i:04d}.docx", None, "clean")
    for i in range(n_pdf):
        coll = rng.choice(world.all("collection"))
        products = [p for p in world.products if p.collection == coll.id][:4] or world.products[:2]
        paragraphs = [coll.description] + [prose.describe(rng, world, p, sentences=3) for p in products]
        data = formats.pdf_bytes(f"{coll.name} — press kit", paragraphs)
        (landing / "presskits" / f"presskit-{i:03d}.pdf").write_bytes(data)
        gt.fate("presskits", f"landing/presskits/presskit-{i:03d}.pdf", None, "clean")
    return n_docx, n_pdf


def _clients(rng: random.Random, n: int, public: frozenset[str]) -> list:
    opted, emails = set(rng.sample(range(n), max(2, n // 30))), set()
    return [make_client(rng, i + 1, i in opted, public, emails) for i in range(n)]


def _events(landing: Path, world: World, rng: random.Random, people: list, boutiques: list[str], gt: GroundTruth) -> int:
    folder = landing / "events"
    folder.mkdir(parents=True)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    written, handle, file = 0, None, ""
    for client in people:
        for event, note in clients.client_events(rng, world, client, boutiques, start, rng.randrange(1, 5)):
            if written % ROWS_PER_FILE == 0:
                if handle:
                    handle.close()
                file = f"landing/events/events-{written // ROWS_PER_FILE:04d}.jsonl"
                handle = open(landing.parent / file, "w", encoding="utf-8", newline="\n")
            written += 1
            event["event_id"] = f"E{written:08d}"
            handle.write(_jsonl(event))
            line = (written - 1) % ROWS_PER_FILE + 1
            gt.field("events", file, line, "client_email", client.client_id, "EMAIL", client.email)
            gt.field("events", file, line, "client_name", client.client_id, "PERSON", client.name)
            gt.field("events", file, line, "client_phone", client.client_id, "PHONE", client.phone)
            gt.plant("events", file, line, "note", client.client_id, note)
            gt.fate("events", file, line, "opted_out" if client.opted_out else "personal_data",
                    event_id=event["event_id"], client_id=client.client_id)
    handle.close()
    return written


def _transcripts(landing: Path, world: World, rng: random.Random, people: list, n: int, gt: GroundTruth) -> int:
    folder = landing / "transcripts"
    folder.mkdir(parents=True)
    cities = [b.relations["city"] for b in world.all("boutique")]
    handle, file, line = None, "", 0
    for i in range(n):
        if i % ROWS_PER_FILE == 0:
            if handle:
                handle.close()
            file = f"landing/transcripts/transcripts-{i // ROWS_PER_FILE:04d}.jsonl"
            handle, line = open(landing.parent / file, "w", encoding="utf-8", newline="\n"), 0
        client = people[i % len(people)]  # every client, opted out or not, has at least one conversation
        doc = clients.transcript(rng, world, client, rng.choice(cities))
        line += 1
        handle.write(_jsonl({"client_id": client.client_id, "locale": client.locale, "transcript": doc.text}))
        gt.plant("transcripts", file, line, "transcript", client.client_id, doc)
        gt.fate("transcripts", file, line, "opted_out" if client.opted_out else "personal_data", client_id=client.client_id)
        if i == 10:  # a record cut off by a crashed export: quarantine must catch it
            handle.write('{"client_id": "C999999", "locale": "fr", "transcript": "Conseillère : Bonjour\n')
            line += 1
            gt.fate("transcripts", file, line, "broken")
    handle.close()
    return n + 1


def _reviews(landing: Path, rng: random.Random, n: int, gt: GroundTruth) -> int:
    """Real public-domain (CC0) reviews, so filters meet genuine noise; a few carry line breaks."""
    (landing / "reviews").mkdir(parents=True)
    with gzip.open(REVIEWS_CSV, "rt", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Review Text"].strip()]
    picked = sorted(rng.sample(range(len(rows)), n))
    with open(landing / "reviews" / "reviews.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["review_id", "clothing_id", "age", "title", "text", "rating", "recommended", "department"])
        for k, i in enumerate(picked):
            r = rows[i]
            text = r["Review Text"].strip()
            if k % 25 == 0 and ". " in text:  # a reviewer who pressed Enter between sentences
                text = text.replace(". ", ".\n", 1)
            writer.writerow([r[""], r["Clothing ID"], r["Age"], r["Title"], text, r["Rating"],
                             r["Recommended IND"], r["Department Name"]])
            gt.fate("reviews", "landing/reviews/reviews.csv", k + 1, "clean")
    return n


def _entity_spans(text: str, names: list[tuple[str, str]]) -> list[dict]:
    spans, taken = [], []
    for label, name in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(s < end and start < e for s, e in taken):
                taken.append((start, end))
                spans.append({"start": start, "end": end, "text": name, "labels": [label]})
            start = text.find(name, end)
    return sorted(spans, key=lambda s: s["start"])


def _annotations(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> int:
    """Experts label copy as high (specific craft detail) or low (vague marketing, spam), with ~5% noise."""
    (landing / "annotations").mkdir(parents=True)
    per_file = 1000
    for first in range(0, n, per_file):
        tasks = []
        for i in range(first, min(n, first + per_file)):
            p = rng.choice(world.products)
            roll = rng.random()
            if roll < 0.5:
                text, label, fate = prose.craft_text(rng, world, p), "high", "clean"
            elif roll < 0.85:
                text, label, fate = prose.vague_text(rng, world, p), "low", "low_quality"
            else:
                text, label, fate = prose.spam_text(rng), "low", "spam"
            gt.fate("annotations", f"landing/annotations/export-{first // per_file:03d}.json", i - first + 1, fate)
            if rng.random() < 0.05:
                label = "low" if label == "high" else "high"
            names = [("PRODUCT", p.name), ("COLLECTION", world.get("collection", p.collection).name)]
            names += [("MATERIAL", world.get("material", m).name) for m in p.materials]
            names += [("TECHNIQUE", world.get("technique", t).name) for t in p.techniques]
            result = [{"id": f"q{i}", "type": "choices", "from_name": "quality", "to_name": "text",
                       "value": {"choices": [label]}, "origin": "manual"}]
            for k, span in enumerate(_entity_spans(text, names)):
                result.append({"id": f"e{i}-{k}", "type": "labels", "from_name": "entities", "to_name": "text",
                               "value": span, "origin": "manual"})
            tasks.append({"id": i + 1, "data": {"text": text, "doc_ref": f"catalog:{p.sku}"},
                          "annotations": [{"id": i + 1, "completed_by": 1 + i % 3, "result": result,
                                           "created_at": "2024-06-01T09:00:00Z", "was_cancelled": False}]})
        path = landing / "annotations" / f"export-{first // per_file:03d}.json"
        path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n")
    return n


def _agency(landing: Path, world: World, rng: random.Random, n: int, looks: list[str], gt: GroundTruth) -> int:
    (landing / "agency").mkdir(parents=True)
    file = "landing/agency/feed.jsonl"
    with open(landing.parent / file, "w", encoding="utf-8", newline="\n") as f:
        for i in range(n):
            if i % 5 == 0:  # the agency syndicates our lookbook copy word for word
                name = looks[(i * 7) % len(looks)]
                text = (landing.parent / name).read_text(encoding="utf-8")
                f.write(_jsonl({"wire_id": f"W{i:05d}", "body": text}))
                gt.pair((name, None), (file, i + 1), "exact", 1.0)
            else:
                f.write(_jsonl({"wire_id": f"W{i:05d}", "body": prose.agency_wire(rng, world, rng.choice(world.products), i)}))
            gt.fate("agency", file, i + 1, "unlicensed")
    return n


def _archive(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> int:
    (landing / "archive").mkdir(parents=True)
    for i in range(n):
        products = rng.sample(world.products, 3)
        text = prose.essay(rng, world, products, f"From the archive, essay {i + 1}")
        (landing / "archive" / f"essay-{i:03d}.txt").write_text(text, encoding="utf-8", newline="\n")
        gt.fate("archive", f"landing/archive/essay-{i:03d}.txt", None, "eval_only")
    return n


def _notes(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> int:
    folder = landing / "notes"
    folder.mkdir(parents=True)
    artisans = world.all("artisan")
    for i in range(n):
        artisan = rng.choice(artisans)
        p = rng.choice([q for q in world.products if q.workshop == artisan.relations["workshop_id"]] or world.products)
        day = (datetime(2023, 1, 1) + timedelta(days=rng.randrange(0, 700))).strftime("%Y-%m-%d")
        (folder / f"note-{i:04d}.txt").write_text(prose.workshop_note(rng, world, p, artisan.name, day),
                                                  encoding="utf-8", newline="\n")
        gt.fate("notes", f"landing/notes/note-{i:04d}.txt", None, "clean")
    # Hostile files: a note saved by an old Windows tool in Latin-1, and an image misnamed .txt.
    latin = "2022-11-03 - Hélène, Atelier Pantin\nPièce à reprendre : coutures du côté gauche, cuir trop sec.\n"
    (folder / "note-latin1.txt").write_bytes(latin.encode("latin-1"))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(200))
    (folder / "note-scan.txt").write_bytes(png)
    gt.fate("notes", "landing/notes/note-latin1.txt", None, "clean")
    gt.fate("notes", "landing/notes/note-scan.txt", None, "broken")
    return n + 2


def _contaminated_notes(landing: Path, world: World, rng: random.Random, n: int, gt: GroundTruth) -> int:
    """True contamination: an artisan pastes a passage of an archive essay (evaluation only) into
    a workshop note, with a word or two changed. The edits stay in the passage's first and last
    words, so a 13-word run survives intact in its middle (what a decontaminator can find)."""
    essays = sorted((landing / "archive").glob("essay-*.txt"))
    artisans = world.all("artisan")
    for i in range(n):
        essay = essays[i % len(essays)]
        paragraphs = [p for p in essay.read_text(encoding="utf-8").split("\n\n")[1:] if len(p.split()) >= 30]
        words = rng.choice(paragraphs).split()[:60]
        words[1] = words[1].upper()
        words[-2] = rng.choice(["truly", "still", "again"])
        passage = " ".join(words)
        artisan = rng.choice(artisans)
        p = rng.choice(world.products)
        day = (datetime(2023, 1, 1) + timedelta(days=rng.randrange(0, 700))).strftime("%Y-%m-%d")
        note = prose.workshop_note(rng, world, p, artisan.name, day)
        name = f"note-quoted-{i:03d}.txt"
        (landing / "notes" / name).write_text(note + "Copied from the archive for the apprentices: " + passage + "\n",
                                              encoding="utf-8", newline="\n")
        gt.fate("notes", f"landing/notes/{name}", None, "contaminated", passage=passage,
                **{"from": f"landing/archive/{essay.name}"})
    return n


def folder_digest(folder: str | os.PathLike) -> str:
    """sha256 over every file's relative path and bytes: equal digests mean byte-identical folders."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
