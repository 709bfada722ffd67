"""Cheap, model-free PII detectors: regular expressions plus the checks that make them precise
(Luhn for cards, ISO 7064 mod-97 for IBANs, digit counts for phones, `ipaddress` for IPs).

Each finder returns (start, end, entity) spans. Phones are found by counting digits in any run of
digits and separators rather than by listing national formats, so a format nobody wrote down
(dots, slashes, "(0)", spaced single digits) is still caught.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    entity: str


_AT = r"(?:\s?[\[\(\{<]\s?at\s?[\]\)\}>]\s?|\s+at\s+)"
_DOT = r"(?:\s?[\[\(\{<]\s?dot\s?[\]\)\}>]\s?|\s+dot\s+)"
_LOCAL = r"[\w.+%'’-]*\w"
_LABEL = r"[\w-]+"
_DOT_SIGN = r"(?:[.．]|\s[.．]\s)"  # "mail.com" or "mail . com", never the end of a sentence
EMAIL = re.compile(rf"(?<![\w.+%-]){_LOCAL}\s?[@＠]\s?{_LABEL}(?:{_DOT_SIGN}{_LABEL})*{_DOT_SIGN}[^\W\d_]{{2,24}}\b", re.I)
# "jane [at] mail [dot] com", "jane at mail dot com", "jane(at)mail.com": spelled-out separators
EMAIL_SPELLED = re.compile(
    rf"(?<![\w.+%-]){_LOCAL}{_AT}{_LABEL}(?:(?:{_DOT}|\.){_LABEL})*{_DOT}[^\W\d_]{{2,24}}\b"
    rf"|(?<![\w.+%-]){_LOCAL}\s?[\[\(\{{<]\s?at\s?[\]\)\}}>]\s?{_LABEL}(?:\.{_LABEL})*\.[^\W\d_]{{2,24}}\b"
    rf"|(?<![\w.+%-]){_LOCAL}\s+at\s+{_LABEL}(?:\.{_LABEL})*\.[^\W\d_]{{2,24}}\b",
    re.I,
)

# a digit, or a parenthesised group "(0)", "(+33)", "(977)", joined by at most three separators
_GROUP = r"(?:\(\s?\+?\d+\s?\)|\d)"
DIGIT_RUN = re.compile(rf"(?<!\d)\+?{_GROUP}(?:[ \t.\-/\u2010-\u2015]{{0,3}}{_GROUP})*")
_DATE_PREFIX = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b")
# national numbers of 8 digits (Denmark, Norway, Singapore ...) count only where a word says "phone"
PHONE_WORD = re.compile(r"(?i:tel|tél|phone|mobile|cell|call|ring|fax|whatsapp|portable|numéro|numero|telefono|cellulare|contact)")
_CARD_GROUPS = re.compile(r"\d{3,6}(?:[ \-]\d{3,6}){1,4}|\d{13,19}")

IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,32}", re.I)
IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]\d)")
IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")

_STREET_EN = r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|terrace|crescent|close|gardens|mews|row|hill|park|parade|walk|grove|green)"
_PARTICLE = r"(?:d[aeiu]|de[il']|del(?:la|le|lo|l')?|dell'|degli|dei|des|du|la|le|les|l'|d'|of|the|st\.?)"
_CITY_TAIL = r"(?:,?\s+(?:[A-Za-z][\w'-]*\s){0,3}?[A-Za-z][\w'-]*,?\s+[A-Za-z]{2}\s+\d{5}(?:-\d{4})?)?"
ADDRESS = re.compile(
    # 12 bis, rue du Faubourg Saint-Honoré, 75008 Paris (first: "84 boulevard Victor-Hugo" is French)
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|quai|allée|impasse|chemin|route|cours)\s+"
    r"(?:[\w'’-]+\s?){1,5}?(?:,?\s*\d{5}\s+[A-ZÀ-Ý][\w-]+)?(?=[\s,.;)]|$)"
    # 6821 1st ave  san mateo, ny 75227 / 221B Baker Street
    rf"|\b\d{{1,6}}[A-Za-z]?\s+(?:[\w'.-]+\s+){{0,3}}?{_STREET_EN}\b{_CITY_TAIL}"
    # Via Monte Napoleone 8, 20121 Milano
    # Via Monte Napoleone 8, Via de' Tornabuoni, 134 - 50123 Firenze, Via Toledo 5/B, Via Roma n. 12
    r"|\b(?:via|viale|piazza|piazzale|corso|largo|vicolo|riva|fondamenta|calle|campo|strada|borgo|lungarno|lungotevere|contrada|salita)\s+"
    r"(?:(?:[A-ZÀ-Ý][\w'’.-]*|d[ae]ll?[aeo]?'?|de'|d'|degli|dei|di|del)\s?){1,5}?,?\s(?:n\.\s?)?\d{1,4}[a-z]?(?:/[A-Za-z0-9]{1,3})?(?:,?\s*(?:-\s*)?\d{5}\s+[A-ZÀ-Ý][\w-]+)?",
    re.I,
)
# any street name, house number, postcode and town: "Riva degli Schiavoni 82, 30122 Venezia"
POSTAL = re.compile(
    rf"[A-ZÀ-Ý][\w'’.-]*(?:\s(?:[A-ZÀ-Ý][\w'’.-]*|{_PARTICLE}))*\s\d{{1,4}}[a-z]?,\s*\d{{5}}\s+[A-ZÀ-Ý][\w'-]+"
    r"|\b\d{1,4}[a-z]?,?\s+(?:[\w'’.-]+\s){1,5}?\d{5}\s+[A-ZÀ-Ý][\w'-]+"
)
UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b")

_HONORIFIC = r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Mme|Mlle|Madame|Monsieur|Mademoiselle|Signora|Signorina|Signor|Sig|Sig\.ra|Dott|Dott\.ssa|Sir|Lady|Lord)\.?"
_CUE = r"(?i:my name is|my name's|i am|i'm|this is|name\s?:|je m'appelle|je suis|c'est|mi chiamo|sono|parla|dear|cher|chère|caro|cara|gentile)"
_NAME = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s[A-ZÀ-Ý][a-zà-ÿ'’-]+){0,2}"
NAME_CUE = re.compile(rf"(?:\b{_HONORIFIC}|\b{_CUE},?)\s+({_NAME})|({_NAME})(?=,?\s+(?i:speaking|à l'appareil|al telefono)\b)")
NOT_NAMES = {"sir", "madam", "madame", "team", "customer", "client", "all", "everyone", "there", "here",
             "good", "sorry", "happy", "glad", "looking", "interested", "calling", "writing",
             "advisor", "conseiller", "conseillère", "consulente", "cliente", "hello", "hi", "bonjour", "buongiorno", "salve"}


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(compact: str) -> bool:
    compact = compact.upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_ibans(text: str) -> list[Span]:
    spans = []
    for m in IBAN.finditer(text):
        # the match may run into the next word: take the longest prefix that checks out
        positions = [i for i in range(m.start(), m.end()) if text[i].isalnum()]
        for length in range(min(34, len(positions)), 14, -1):
            compact = "".join(text[i] for i in positions[:length])
            if iban_ok(compact):
                spans.append(Span(m.start(), positions[length - 1] + 1, "IBAN"))
                break
    return spans


def _classify_run(run: str, before: str = "") -> str | None:
    digits = re.sub(r"\D", "", run)
    n = len(digits)
    if 13 <= n <= 19 and luhn_ok(digits) and (n >= 16 or re.match(r"3[47]|4|5[1-5]|2[2-7]|6|35|3[068]", digits)):
        return "CARD"
    if 9 <= n <= 15 or (run.startswith("+") and n >= 7) or (n == 8 and PHONE_WORD.search(before)):
        return "PHONE"
    if n > 15 and not _CARD_GROUPS.fullmatch(run.strip()):
        return "PHONE"  # several numbers glued together; a Luhn-invalid card-shaped number is not PII
    return None


def find_numbers(text: str) -> list[Span]:
    spans = []
    for m in DIGIT_RUN.finditer(text):
        start, run = m.start(), m.group()
        date = _DATE_PREFIX.match(run)
        if date:  # "2019-11-06 10" is a date and an hour, not a phone number
            start, run = start + date.end(), run[date.end():]
            stripped = run.lstrip(" \t.-/")
            start, run = start + len(run) - len(stripped), stripped
        run = run.rstrip(" \t.-/\u2010-\u2015")
        entity = _classify_run(run, text[max(0, start - 40):start]) if run else None
        if entity:
            spans.append(Span(start, start + len(run), entity))
    return spans


def find_ips(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "IP") for m in IPV4.finditer(text)]
    for m in IPV6.finditer(text):
        if m.group().count(":") >= 2:
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            spans.append(Span(m.start(), m.end(), "IP"))
    return spans


def find_emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "EMAIL") for pattern in (EMAIL, EMAIL_SPELLED) for m in pattern.finditer(text)]


# what surrounds the street part of an address: a flat or unit, the town and postcode, the country
_UNIT = r"(?:flat|apt\.?|apartment|suite|unit|ste\.?|interno|int\.|scala|bât\.?|bâtiment|escalier|étage)\s*[\w-]{1,5}"
_COUNTRY = r"(?:france|italia|italy|united kingdom|uk|england|scotland|wales|usa|united states)"
ADDRESS_BEFORE = re.compile(rf"(?i:{_UNIT}),?\s*$")
ADDRESS_AFTER = re.compile(
    rf"(?i:,?\s*{_UNIT})\b|[ \t]*/\s*[A-Za-z0-9]{{1,3}}\b|,?\s*(?:-\s*)?\d{{5}}\s+[A-ZÀ-Ý][\w'-]+(?:\s\([A-Z]{{2}}\))?"
    rf"|,?\s*\([A-Z]{{2}}\)|,\s*(?i:{_COUNTRY})\b|,?\s+(?:[A-Za-z][\w'-]*\s){{0,3}}?[A-Za-z][\w'-]*,?\s+[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?\b"
)
ADDRESS_GAP = re.compile(r"[\s,\-–]*(?:[A-ZÀ-Ý][\w'’-]+[\s,]*){0,3}")  # a town between two pieces of one address


def find_addresses(text: str) -> list[Span]:
    """Street patterns, then each piece grown over its flat, town, postcode and country, and
    pieces of one address (on several lines, a town between them) joined."""
    spans = [(m.start(), m.end()) for pattern in (ADDRESS, POSTAL, UK_POSTCODE) for m in pattern.finditer(text)]
    grown = []
    for start, end in sorted(spans):
        while True:
            before = ADDRESS_BEFORE.search(text, max(0, start - 20), start)
            after = ADDRESS_AFTER.match(text, end)
            if not (before and before.start() < start) and not (after and after.end() > end):
                break
            start = before.start() if before and before.start() < start else start
            end = after.end() if after and after.end() > end else end
        if grown and (start <= grown[-1][1] or ADDRESS_GAP.fullmatch(text, grown[-1][1], start)):
            grown[-1] = (grown[-1][0], max(end, grown[-1][1]))
        else:
            grown.append((start, end))
    return [Span(s, e, "ADDRESS") for s, e in grown]


# order numbers, account logins and loyalty cards: any id-like token shortly after a word that
# names one ("order", "commande n°", "ordine", "username", "identifiant", "tessera" ...)
ID_CUE = re.compile(
    r"\b(?:(order|orders|commande|ordine|purchase|achat|acquisto|invoice|facture|fattura|tracking|suivi|spedizione|reference|référence|riferimento|ref)"
    r"|(account|compte|conto|username|user\s?name|login|identifiant|nome\s+utente|utente|member(?:ship)?|loyalty|fidélité|fedeltà|tessera|pseudo))\b",
    re.I,
)
ID_TOKEN = re.compile(r"(?<![\w@.+-])(?:[A-Z]{2,4}\s)?#?[A-Za-z0-9][\w./-]*[A-Za-z0-9](?![\w@]|[.+-]\w)")
ID_WINDOW = 60
NOT_ID_BEFORE = re.compile(r"(?i:sku|size|taille|taglia|ref\.?\s?produit|art\.)\s*[:#]?\s*$")


def _id_like(token: str, login: bool) -> bool:
    core = token.lstrip("#")
    alnum = [c for c in core if c.isalnum()]
    n_digits = sum(c.isdigit() for c in alnum)
    if len(alnum) < 5 or _DATE_PREFIX.fullmatch(core.split()[-1]):
        return False
    if re.sub(r"[\s./-]", "", core).isdigit():  # a bare number: a price, a size or a year unless long
        return n_digits >= 6
    if login:  # "carusoa6", "camille_dub39", "LOY-1965-0276"
        return n_digits >= 1 or "_" in core
    return n_digits >= 2


def find_ids(text: str) -> list[Span]:
    spans = []
    for cue in ID_CUE.finditer(text):
        end = min(len(text), cue.end() + ID_WINDOW)
        first_break = text.find("\n", cue.end(), end)  # the id may be on the cue's line or the next, no further
        second_break = text.find("\n", first_break + 1, end) if first_break != -1 else -1
        end = second_break if second_break != -1 else end
        entity = "ORDER_ID" if cue.group(1) else "ACCOUNT"
        for m in ID_TOKEN.finditer(text, cue.end(), end):
            if _id_like(m.group(), entity == "ACCOUNT") and not NOT_ID_BEFORE.search(text, max(0, m.start() - 15), m.start()):
                spans.append(Span(m.start(), m.end(), entity))
    return spans


def find_accounts(text: str) -> list[Span]:
    """An e-mail's local part is often the client's login too ("cminh730@email.com" ... "cminh730"):
    its other occurrences in the same text are redacted."""
    locals_ = {text[s.start:s.end].split("@")[0].strip().casefold() for s in find_emails(text) if "@" in text[s.start:s.end]}
    locals_ = {l for l in locals_ if len(l) >= 4}
    if not locals_:
        return []
    pattern = re.compile(r"(?<![\w.+%-])(?:" + "|".join(re.escape(l) for l in sorted(locals_, key=lambda l: (-len(l), l))) + r")(?![\w@%]|[.+-]\w)", re.I)
    return [Span(m.start(), m.end(), "ACCOUNT") for m in pattern.finditer(text)]


def find_cued_names(text: str) -> list[Span]:
    """Names a cue introduces: "my name is Ada Byrne", "Mrs Laurent", "je m'appelle Zoé"."""
    spans = []
    for m in NAME_CUE.finditer(text):
        group = 1 if m.group(1) else 2
        words = m.group(group).split()
        while words and words[-1].lower() in NOT_NAMES:
            words.pop()
        if words and words[0].lower() not in NOT_NAMES:
            start = m.start(group)
            spans.append(Span(start, start + len(" ".join(words)), "PERSON"))
    return spans


def resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, longest first where two overlap, in text order (deterministic)."""
    chosen: list[Span] = []
    for span in sorted(set(spans), key=lambda s: (-(s.end - s.start), s.start, s.entity)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen)
