"""Client-advisor transcripts and clienteling events, with personal data planted at known places.

A template names personal data by type ({EMAIL}, {PHONE} …); `Planted` fills them in and records
where each value landed, so the ground truth is exact by construction.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

from assets.raw.simulator.pii import Client
from assets.raw.simulator.prose import describe, facts
from assets.raw.simulator.vocab import ADVISORS
from assets.raw.simulator.world import World

PII_TYPES = ("PERSON", "EMAIL", "PHONE", "IBAN", "CARD", "IP", "ADDRESS", "ORDER_ID", "ACCOUNT")
PII_SLOT = re.compile(r"\{(" + "|".join(PII_TYPES) + r")\}")
SLOTS = {k: "{" + k + "}" for k in PII_TYPES}


class Planted:
    """Text under construction plus the (type, value, start) of every planted value."""

    def __init__(self, client: Client):
        self.client = client
        self.text = ""
        self.spans: list[tuple[str, str, int]] = []

    def value(self, slot: str) -> str:
        c = self.client
        return {"PERSON": c.name, "EMAIL": c.email, "PHONE": c.phone, "IBAN": c.iban or "", "CARD": c.card,
                "IP": c.ip, "ADDRESS": c.address, "ORDER_ID": c.order_id, "ACCOUNT": c.account}[slot]

    def add(self, template: str) -> None:
        position = 0
        for match in PII_SLOT.finditer(template):
            self.text += template[position:match.start()]
            value = self.value(match.group(1))
            self.spans.append((match.group(1), value, len(self.text)))
            self.text += value
            position = match.end()
        self.text += template[position:]


LINES = {
    "en": {
        "hello": ["Advisor: Good morning, welcome to the house. How may I help?",
                  "Advisor: Good afternoon, thank you for calling. What can I do for you?",
                  "Advisor: Hello and welcome. Are you looking for something in particular?"],
        "who": ["Client: Hello, this is {PERSON}. I bought something last spring.",
                "Client: Hi, my name is {PERSON}, I'm a client of the {city} boutique.",
                "Client: Good morning. {PERSON} speaking, I had an appointment last week."],
        "ask": ["Client: I'd like to hear more about the {name}.", "Client: Is the {name} still available?",
                "Client: My sister has the {name}. What is it made of?", "Client: What makes the {name} so expensive?"],
        "pii": {
            "EMAIL": ["Client: You can send the details to {EMAIL}.", "Client: Please write to me at {EMAIL}, not my old address."],
            "PHONE": ["Client: Call me back on {PHONE} after six.", "Client: My mobile is {PHONE}."],
            "ADDRESS": ["Client: Could you deliver it to {ADDRESS}?", "Client: I moved, the new address is {ADDRESS}."],
            "IBAN": ["Client: For the refund, my IBAN is {IBAN}.", "Client: Transfer it to {IBAN}, please."],
            "CARD": ["Client: I'll pay by card, the number is {CARD}.", "Client: Charge it to my card, {CARD}."],
            "IP": ["Client: The website blocked me, it says my IP {IP} is suspicious.", "Client: Your site showed an error for address {IP}."],
            "ORDER_ID": ["Client: It's about order {ORDER_ID}, it never arrived.", "Client: My order number is {ORDER_ID}.",
                         "Advisor: Could you give me the order reference?\nClient: Yes, {ORDER_ID}."],
            "ACCOUNT": ["Client: My username on the website is {ACCOUNT}.", "Client: My loyalty account is {ACCOUNT}, can you check my points?",
                        "Advisor: May I have your account login?\nClient: {ACCOUNT}"],
        },
        "bye": ["Advisor: Thank you, I have noted everything. Have a lovely day.",
                "Advisor: Perfect, you will hear from us this week.", "Advisor: Noted. We look forward to seeing you."],
    },
    "fr": {
        "hello": ["Conseillère : Bonjour et bienvenue à la maison. Que puis-je faire pour vous ?",
                  "Conseiller : Bonjour Madame, merci de votre appel.", "Conseillère : Bonsoir, comment puis-je vous aider ?"],
        "who": ["Cliente : Bonjour, je suis {PERSON}, cliente de la boutique de {city}.",
                "Client : Bonjour, {PERSON} à l'appareil.", "Cliente : C'est {PERSON}, j'avais rendez-vous la semaine dernière."],
        "ask": ["Cliente : Je voudrais des précisions sur le {name}.", "Client : Le {name} est-il encore disponible ?",
                "Cliente : Ma fille a le {name}. En quoi est-il fait ?"],
        "pii": {
            "EMAIL": ["Cliente : Vous pouvez m'écrire à {EMAIL}.", "Client : Mon adresse mail est {EMAIL}."],
            "PHONE": ["Cliente : Rappelez-moi au {PHONE} après 18 heures.", "Client : Mon portable, c'est le {PHONE}."],
            "ADDRESS": ["Cliente : Livrez-le au {ADDRESS}, s'il vous plaît.", "Client : J'ai déménagé : {ADDRESS}."],
            "IBAN": ["Cliente : Pour le remboursement, mon IBAN est {IBAN}.", "Client : Virez-le sur {IBAN}."],
            "CARD": ["Cliente : Je paie par carte : {CARD}.", "Client : Voici le numéro de ma carte, {CARD}."],
            "IP": ["Cliente : Le site me bloque, il parle de mon adresse IP {IP}.", "Client : Erreur sur le site pour l'adresse {IP}."],
            "ORDER_ID": ["Cliente : C'est pour la commande {ORDER_ID}, je ne l'ai jamais reçue.", "Client : Mon numéro de commande est le {ORDER_ID}.",
                         "Conseillère : Pouvez-vous me donner la référence de la commande ?\nCliente : Oui, {ORDER_ID}."],
            "ACCOUNT": ["Cliente : Mon identifiant sur le site est {ACCOUNT}.", "Client : Mon compte fidélité, c'est {ACCOUNT}."],
        },
        "bye": ["Conseillère : Merci, j'ai tout noté. Belle journée à vous.", "Conseiller : Parfait, nous revenons vers vous cette semaine."],
    },
    "it": {
        "hello": ["Consulente: Buongiorno e benvenuta. Come posso aiutarla?", "Consulente: Buonasera, grazie per la chiamata.",
                  "Consulente: Buongiorno, cerca qualcosa in particolare?"],
        "who": ["Cliente: Buongiorno, sono {PERSON}, cliente della boutique di {city}.", "Cliente: Salve, parla {PERSON}.",
                "Cliente: Sono {PERSON}, avevo un appuntamento la settimana scorsa."],
        "ask": ["Cliente: Vorrei sapere di più sul {name}.", "Cliente: Il {name} è ancora disponibile?",
                "Cliente: Mia sorella ha il {name}. Di che materiale è?"],
        "pii": {
            "EMAIL": ["Cliente: Può scrivermi a {EMAIL}.", "Cliente: La mia email è {EMAIL}."],
            "PHONE": ["Cliente: Mi richiami al {PHONE} dopo le sei.", "Cliente: Il mio cellulare è {PHONE}."],
            "ADDRESS": ["Cliente: Me lo consegni in {ADDRESS}, per favore.", "Cliente: Ho cambiato casa: {ADDRESS}."],
            "IBAN": ["Cliente: Per il rimborso, il mio IBAN è {IBAN}.", "Cliente: Faccia il bonifico su {IBAN}."],
            "CARD": ["Cliente: Pago con la carta {CARD}.", "Cliente: Il numero della carta è {CARD}."],
            "IP": ["Cliente: Il sito mi blocca, dice che l'indirizzo IP {IP} è sospetto.", "Cliente: Errore sul sito per l'indirizzo {IP}."],
            "ORDER_ID": ["Cliente: Riguarda l'ordine {ORDER_ID}, non è mai arrivato.", "Cliente: Il numero d'ordine è {ORDER_ID}."],
            "ACCOUNT": ["Cliente: Il mio nome utente sul sito è {ACCOUNT}.", "Cliente: La mia tessera fedeltà è la {ACCOUNT}."],
        },
        "bye": ["Consulente: Grazie, ho annotato tutto. Buona giornata.", "Consulente: Perfetto, la ricontattiamo questa settimana."],
    },
}
ADVISOR_LABEL = {"en": "Advisor: ", "fr": "Conseillère : ", "it": "Consulente: "}


def transcript(rng: random.Random, world: World, client: Client, city: str) -> Planted:
    lines = LINES[client.locale]
    product = rng.choice(world.products)
    f = {**facts(world, product), "city": city, **SLOTS}
    doc = Planted(client)
    turns = [rng.choice(lines["hello"]), rng.choice(lines["who"]), rng.choice(lines["ask"])]
    # Advisors answer in English catalog copy; the house trains them on it.
    turns.append(ADVISOR_LABEL[client.locale] + describe(rng, world, product, sentences=rng.randrange(2, 4)).replace("{", "(").replace("}", ")"))
    kinds = ["EMAIL", "PHONE", "ADDRESS", "CARD", "IP", "ORDER_ID", "ACCOUNT"] + (["IBAN"] if client.iban else [])
    for kind in sorted(rng.sample(kinds, rng.randrange(1, 4)), key=kinds.index):
        turns.append(rng.choice(lines["pii"][kind]))
    turns.append(rng.choice(lines["bye"]))
    for i, turn in enumerate(turns):
        doc.add((turn.format(**f) if i != 3 else turn) + ("\n" if i < len(turns) - 1 else ""))
    return doc


NOTES = [
    "Client tried on the {name}; will think about it.",
    "Bought the {name} as a gift. Asked for engraving.",
    "Prefers to be called on {PHONE}, never before 10.",
    "Ship to {ADDRESS} from now on.",
    "New e-mail given in boutique: {EMAIL}.",
    "Interested in {coll}; invite to the next private viewing.",
    "Repair request for an older {item}; sent to {workshop}.",
    "Client mentioned a card issue, number {CARD} declined twice.",
    "Follow-up call planned about the {name}.",
    "Order {ORDER_ID} delayed; client informed.",
    "Web account {ACCOUNT} merged with the boutique file.",
    "",
]
TYPES = ["visit", "purchase", "call", "appointment", "note"]


def client_events(rng: random.Random, world: World, client: Client, boutique_ids: list[str],
                  start: datetime, count: int) -> list[tuple[dict, Planted]]:
    """A client's history: events in time order; the Planted is the note field."""
    ts = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
    boutique = rng.choice(boutique_ids)
    out = []
    for _ in range(count):
        ts += timedelta(minutes=rng.randrange(30, 60 * 24 * 20))
        kind = rng.choice(TYPES)
        product = rng.choice(world.products)
        note = Planted(client)
        note.add(rng.choice(NOTES).format(**{**facts(world, product), **SLOTS}))
        event = {
            "event_id": "",  # numbered by the writer
            "client_id": client.client_id,
            "ts": ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "type": kind,
            "boutique": boutique,
            "advisor": rng.choice(ADVISORS),
            "sku": product.sku if kind in ("purchase", "visit", "appointment") else None,
            "note": note.text,
            "client_name": client.name,
            "client_email": client.email,
            "client_phone": client.phone,
        }
        out.append((event, note))
    return out
