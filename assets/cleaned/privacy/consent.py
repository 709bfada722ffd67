"""Consent: documents tied to a client who opted out leave the corpus (reason `consent`).

The opted-out list (sources file, consent.opted_out) holds client ids or e-mail addresses. A
document is tied to a client by its client_id, by the client's e-mail in its meta, or by an
opted-out e-mail written in its text. Run it before redaction, which erases those e-mails.
"""

from __future__ import annotations

import pandas as pd

from assets.cleaned.privacy.detectors import find_emails
from assets.cleaned.privacy.gazetteer import Gazetteer, parse_meta


def _email_key(text: str) -> str:
    return "".join(text.split()).lower()


def consent_step(settings, gazetteer: Gazetteer | None = None):
    entries = [e.strip() for e in settings.sources_file.consent.opted_out if e.strip()]
    emails = {e.lower() for e in entries if "@" in e}
    client_ids = {e for e in entries if "@" not in e}
    if gazetteer is not None:  # an opted-out e-mail also opts out the CRM client behind it
        client_ids |= {cid for email, cid in gazetteer.emails.items() if email in emails and cid}

    def tied_to_opted_out(row) -> bool:
        if row.client_id is not None and not pd.isna(row.client_id) and str(row.client_id) in client_ids:
            return True
        if not emails:
            return False
        meta = parse_meta(getattr(row, "meta", None), f"document {row.doc_id} ({row.source})")
        if str(meta.get("client_email", "")).strip().lower() in emails:
            return True
        text = row.text
        return any(_email_key(text[s.start:s.end]) in emails for s in find_emails(text)) if "@" in text else False

    def consent(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        if not (emails or client_ids):
            return docs, pd.Series(None, index=docs.index, dtype=object)
        if "client_id" not in docs:
            docs = docs.assign(client_id=None)
        flags = [tied_to_opted_out(row) for row in docs.itertuples(index=False)]
        return docs, pd.Series(["consent" if f else None for f in flags], index=docs.index, dtype=object)

    return consent
