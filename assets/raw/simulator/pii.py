"""Clients and their personal data, written the way people in each country write it.

IBAN check digits (ISO 13616 mod 97) and card numbers (Luhn) are valid, so a redactor that
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

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _email(rng: random.Random, first: str, last: str, country: str) -> str:
    f, l = _ascii(first), _ascii(last)
    local = rng.choice([f"{f}.{l}", f"{f[0]}{l}", f"{f}{l}{rng.randrange(10, 99)}", f"{l}.{f}", f"{f}_{l}"])
    return f"{local}@{rng.choice(MAIL_DOMAINS[country])}"


def _phone(rng: random.Random, country: str, international: bool) -> str:
    if country == "fr":
        parts = [rng.choice("67")] + [_digits(rng, 2) for _ in range(4)]
        return f"+33 {parts[0]} {' '.join(parts[1:])}" if international else f"0{parts[0]} {' '.join(parts[1:])}"
    if country == "it":
        prefix, a, b = f"3{_digits(rng, 2)}", _digits(rng, 3), _digits(rng, 4)
        return f"+39 {prefix} {a} {b}" if international else f"{prefix} {a} {b}"
    if country == "uk":
        a, b = f"7{_digits(rng, 3)}", _digits(rng, 6)
        return f"+44 {a} {b}" if international else f"0{a} {b}"
    area, a, b = rng.choice(["212", "646", "310", "617", "312", "415"]), _digits(rng, 3), _digits(rng, 4)
    return f"+1 {area} {a} {b}" if international else f"({area}) {a}-{b}"


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
    # People write it grouped by four more often than not.
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if rng.random() < 0.7 else iban


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _card(rng: random.Random) -> str:
    body = rng.choice(["4", "51", "52", "53", "54", "55"])
    body += _digits(rng, 15 - len(body))
    for check in "0123456789":
        if luhn_valid(body + check):
            number = body + check
            break
    return " ".join(number[i:i + 4] for i in range(0, 16, 4)) if rng.random() < 0.6 else number


def _address(rng: random.Random, country: str) -> str:
    street, code, city = rng.choice(STREETS[country])
    number = rng.randrange(1, 140)
    if country == "fr":
        return f"{number} {street}, {code} {city}"
    if country == "it":
        return f"{street} {number}, {code} {city}"
    if country == "uk":
        return f"{number} {street}, {city} {code}"
    return f"{number} {street}, {city}, {code}"


def _ip(rng: random.Random) -> str:
    first = rng.choice([2, 5, 31, 37, 46, 62, 78, 79, 81, 82, 86, 87, 88, 90, 93, 151, 176, 185, 188, 212, 217])
    return f"{first}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def make_client(rng: random.Random, index: int, opted_out: bool, avoid: frozenset[str] = frozenset()) -> Client:
    """`avoid`: names of the house's public people (designers, artisans) that no client may share."""
    # Countries and phone styles cycle so that even a small house has every combination.
    country = ["fr", "it", "uk", "us", "fr", "it"][index % 6]
    locale = {"fr": "fr", "it": "it", "uk": "en", "us": "en"}[country]
    first, last = rng.choice(FIRST[country]), rng.choice(LAST[country])
    while f"{first} {last}" in avoid:
        first, last = rng.choice(FIRST[country]), rng.choice(LAST[country])
    return Client(
        client_id=f"C{index:06d}",
        locale=locale,
        country=country,
        first=first,
        last=last,
        email=_email(rng, first, last, country),
        phone=_phone(rng, country, international=(index // 6) % 2 == 1),
        address=_address(rng, country),
        iban=_iban(rng, country),
        card=_card(rng),
        ip=_ip(rng),
        opted_out=opted_out,
    )
