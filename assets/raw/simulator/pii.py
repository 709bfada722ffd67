"""Clients and their personal data, written the way people in each country write it.

Formats vary widely on purpose (a redactor is measured on them, benchmarks/redaction.py): phones
in every national and international style of the client's country (spaces, dots, dashes, none,
"(0)", "0033"), IBANs grouped by four or not, cards grouped by spaces, dashes or not (Visa,
Mastercard, Amex), e-mails with sub-domains, plus tags, digits and capitals, addresses in the
French, Italian, British and American orders, and order and account ids in the house's several
formats. IBAN check digits (ISO 13616 mod 97) and card numbers (Luhn) are valid, so a redactor that
validates checksums is exercised, not just one that matches shapes.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from assets.raw.simulator.vocab import FIRST, LAST, MAIL_DOMAINS, STREETS


@dataclass
class Client:
    client_id: str
    locale: str  # fr | it | en (the language spoken)
    country: str  # fr | it | uk | us
    first: str
    last: str
    email: str
    phone: str
    address: str
    iban: str | None
    card: str
    ip: str
    opted_out: bool
    order_id: str = ""  # the client's last order, in one of the house's order formats
    account: str = ""  # a web username or loyalty-card number

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


SUBDOMAINS = {"fr": ["etu.univ-paris.fr", "mail.cabinet-roux.fr", "alumni.sciencespo.fr"],
              "it": ["studenti.unimi.it", "pec.studio-bianchi.it", "mail.polimi.it"],
              "uk": ["cam.ac.uk", "mail.ashby-partners.co.uk", "eng.ox.ac.uk"],
              "us": ["law.nyu.edu", "mail.harborcap.com", "cs.stanford.edu"]}


def _email(rng: random.Random, first: str, last: str, country: str) -> str:
    f, l = _ascii(first).replace("'", ""), _ascii(last).replace("'", "")
    local = rng.choice([f"{f}.{l}", f"{f[0]}{l}", f"{f}{l}{rng.randrange(10, 99)}", f"{l}.{f}", f"{f}_{l}", f"{f}-{l}",
                        f"{f}.{l}+{rng.choice(['shop', 'news', 'boutique', 'orders'])}", f"{f[0]}.{l}{rng.randrange(1970, 2005)}"])
    domain = rng.choice(SUBDOMAINS[country]) if rng.random() < 0.2 else rng.choice(MAIL_DOMAINS[country])
    email = f"{local}@{domain}"
    return email[0].upper() + email[1:] if rng.random() < 0.1 else email  # some type a capital first


def _phone(rng: random.Random, country: str, international: bool) -> str:
    """International styles start with "+<code> " (or "00", "(+<code>)"), national ones with "0" or,
    in the United States, "(" and others: the style is drawn per client."""
    if country == "fr":
        digits = rng.choice("67") + _digits(rng, 8)  # 06 / 07 mobiles, without the trunk 0
        pairs = ["0" + digits[0]] + [digits[i:i + 2] for i in range(1, 9, 2)]
        national = [" ".join(pairs), ".".join(pairs), "-".join(pairs), "".join(pairs), " ".join(pairs[:1] + ["".join(pairs[1:])])]
        pretty = " ".join([digits[0]] + pairs[1:])
        inter = [f"+33 {pretty}", f"+33 (0){pretty}", f"+33{digits}", f"0033 {pretty}", f"+33 {pretty.replace(' ', '.')}"]
        return rng.choice(inter) if international else rng.choice(national)
    if country == "it":
        prefix, a, b = f"3{_digits(rng, 2)}", _digits(rng, 3), _digits(rng, 4)
        inter = [f"+39 {prefix} {a} {b}", f"+39 {prefix}{a}{b}", f"0039 {prefix} {a} {b}", f"(+39) {prefix} {a}{b}", f"+39-{prefix}-{a}-{b}"]
        national = [f"{prefix} {a} {b}", f"{prefix}-{a}{b}", f"{prefix}.{a}.{b}", f"{prefix}/{a}{b}", f"0{rng.choice(['2', '6'])} {_digits(rng, 4)} {_digits(rng, 4)}"]
        return rng.choice(inter) if international else rng.choice(national)
    if country == "uk":
        a, b = f"7{_digits(rng, 3)}", _digits(rng, 6)
        inter = [f"+44 {a} {b}", f"+44 (0){a} {b}", f"+44{a}{b}", f"+44 {a} {b[:3]} {b[3:]}", f"0044 {a} {b}"]
        national = [f"0{a} {b}", f"0{a}-{b[:3]}-{b[3:]}", f"0{a}{b}", f"0{a} {b[:3]} {b[3:]}", f"020 {_digits(rng, 4)} {_digits(rng, 4)}"]
        return rng.choice(inter) if international else rng.choice(national)
    area, a, b = rng.choice(["212", "646", "310", "617", "312", "415"]), _digits(rng, 3), _digits(rng, 4)
    inter = [f"+1 {area} {a} {b}", f"+1 ({area}) {a}-{b}", f"+1-{area}-{a}-{b}", f"+1.{area}.{a}.{b}"]
    national = [f"({area}) {a}-{b}", f"{area}-{a}-{b}", f"{area}.{a}.{b}", f"1-{area}-{a}-{b}", f"({area}){a}-{b}", f"{area} {a} {b}"]
    return rng.choice(inter) if international else rng.choice(national)


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def _iban(rng: random.Random, country: str) -> str | None:
    if country == "fr":
        code, bban = "FR", _digits(rng, 10) + _digits(rng, 11) + _digits(rng, 2)
    elif country == "it":
        code, bban = "IT", rng.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ") + _digits(rng, 10) + _digits(rng, 12)
    elif country == "uk":
        code, bban = "GB", "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + _digits(rng, 14)
    else:
        return None  # no IBAN in the United States
    iban = code + _iban_check(code, bban) + bban
    # People write it grouped by four more often than not; some with dashes, some in lower case.
    style = rng.random()
    if style < 0.6:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    if style < 0.7:
        return "-".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    if style < 0.75:
        return iban[:2].lower() + iban[2:].lower()
    return iban


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    compact = "".join(c for c in iban if c.isalnum()).upper()  # grouped by spaces or dashes, any case
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _card(rng: random.Random) -> str:
    amex = rng.random() < 0.15
    body = rng.choice(["34", "37"]) if amex else rng.choice(["4", "51", "52", "53", "54", "55", "22"])
    length = 15 if amex else 16
    body += _digits(rng, length - 1 - len(body))
    for check in "0123456789":
        if luhn_valid(body + check):
            number = body + check
            break
    groups = [number[:4], number[4:10], number[10:]] if amex else [number[i:i + 4] for i in range(0, 16, 4)]
    style = rng.random()
    return " ".join(groups) if style < 0.5 else "-".join(groups) if style < 0.7 else number


def _address(rng: random.Random, country: str) -> str:
    street, code, city = rng.choice(STREETS[country])
    number = rng.randrange(1, 140)
    if country == "fr":
        number = f"{number}{rng.choice(['', '', '', ' bis', ' ter'])}"
        return rng.choice([f"{number} {street}, {code} {city}", f"{number}, {street} {code} {city}", f"{number} {street} {code} {city.upper()}",
                           f"{number} {street}, {code} {city}, France"])
    if country == "it":
        return rng.choice([f"{street} {number}, {code} {city}", f"{street}, {number} - {code} {city}", f"{street} {number}/{rng.choice('ABC')}, {code} {city}",
                           f"{street} n. {number}, {code} {city} ({city[:2].upper()})"])
    if country == "uk":
        return rng.choice([f"{number} {street}, {city} {code}", f"Flat {rng.randrange(1, 9)}, {number} {street}, {city} {code}", f"{number} {street} {city} {code}",
                           f"{number} {street}, {city}, {code}"])
    return rng.choice([f"{number} {street}, {city}, {code}", f"{number} {street}, Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}, {city}, {code}",
                       f"{number} {street} {city} {code}"])


def _order_id(rng: random.Random) -> str:
    """The house's order numbers: the web shop's, the boutiques' till and the old system's."""
    return rng.choice([f"ORD-{rng.randrange(2019, 2026)}-{_digits(rng, 6)}", f"#{rng.choice('AMW')}{_digits(rng, 7)}",
                       f"{rng.choice(['FR', 'IT', 'UK', 'US'])}{_digits(rng, 2)}-{_digits(rng, 5)}-{rng.choice('ABCDEFGHJK')}",
                       f"CMD {rng.randrange(2019, 2026)}/{_digits(rng, 6)}", _digits(rng, 10)])


def _account(rng: random.Random, first: str, last: str) -> str:
    """A web-shop username or a loyalty-card number."""
    f, l = _ascii(first).replace("'", "").replace("-", ""), _ascii(last).replace("'", "").replace("-", "")
    return rng.choice([f"{f[0]}{l}{rng.randrange(100, 999)}", f"{f}_{l[:3]}{rng.randrange(10, 99)}", f"{l}{f[0]}{rng.randrange(1, 9)}",
                       f"LOY-{_digits(rng, 4)}-{_digits(rng, 4)}", f"M{_digits(rng, 8)}"])


def _ip(rng: random.Random) -> str:
    first = rng.choice([2, 5, 31, 37, 46, 62, 78, 79, 81, 82, 86, 87, 88, 90, 93, 151, 176, 185, 188, 212, 217])
    return f"{first}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def make_client(rng: random.Random, index: int, opted_out: bool, avoid: frozenset[str] = frozenset(),
                taken: set[str] | None = None) -> Client:
    """`avoid`: names of the house's public people (designers, artisans) that no client may share.
    `taken`: e-mails (lower case) of the clients made before; this one gets another and is added,
    since two clients sharing an address (one opted out, one not) would make consent ambiguous."""
    # Countries and phone styles cycle so that even a small house has every combination.
    country = ["fr", "it", "uk", "us", "fr", "it"][index % 6]
    locale = {"fr": "fr", "it": "it", "uk": "en", "us": "en"}[country]
    first, last = rng.choice(FIRST[country]), rng.choice(LAST[country])
    while f"{first} {last}" in avoid:
        first, last = rng.choice(FIRST[country]), rng.choice(LAST[country])
    email = _email(rng, first, last, country)
    while taken is not None and email.lower() in taken:
        email = _email(rng, first, last, country)
    if taken is not None:
        taken.add(email.lower())
    return Client(
        client_id=f"C{index:06d}",
        locale=locale,
        country=country,
        first=first,
        last=last,
        email=email,
        phone=_phone(rng, country, international=(index // 6) % 2 == 1),
        address=_address(rng, country),
        iban=_iban(rng, country),
        card=_card(rng),
        ip=_ip(rng),
        opted_out=opted_out,
        order_id=_order_id(rng),
        account=_account(rng, first, last),
    )
