"""What an alert says to a person: the one paragraph every channel carries.

CloudEvents, CAP, Atom and e-mail all carry the same paragraph, built once when the alert is
raised, so a duty officer reads the same words whichever channel reached them first.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from alerts.model import Alert, AlertType, Evidence, JurisdictionStatus, headline

__all__ = ["SAMPLE_TYPE_WORDS", "alert_html", "alert_text", "describe", "evidence_sentence", "status_sentence"]

SAMPLE_TYPE_WORDS = {
    "seizure": "seizure",
    "test_purchase": "test purchase",
    "collected_sample": "collected sample",
    "biological_nonfatal": "biological sample from a non-fatal intoxication",
    "biological_fatal": "biological sample from a fatal intoxication",
    "wastewater": "wastewater",
    "drug_checking": "drug checking",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _jurisdiction(entry: JurisdictionStatus) -> str:
    return f"{entry.name} ({entry.jurisdiction})" if entry.name else entry.jurisdiction


def _listing(parts: Sequence[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def status_sentence(legal_status: Sequence[JurisdictionStatus]) -> str:
    """``Controlled in Denmark (DK) by dk-...; not controlled in ...; unknown in ...``."""
    if not legal_status:
        return "Its legal status has not been determined yet."
    controlled = [
        _jurisdiction(e) + (f" (group {', '.join(e.group_ids)})" if e.group_ids else "")
        for e in legal_status
        if e.status == "controlled"
    ]
    uncontrolled = [_jurisdiction(e) for e in legal_status if e.status == "uncontrolled"]
    unknown = [_jurisdiction(e) for e in legal_status if e.status not in ("controlled", "uncontrolled")]
    parts = []
    if controlled:
        parts.append(f"controlled in {_listing(controlled)}")
    if uncontrolled:
        parts.append(f"not controlled by the encoded legal texts of {_listing(uncontrolled)}")
    if unknown:
        parts.append(f"undetermined in {_listing(unknown)}")
    text = "; ".join(parts)
    return f"Legal status: {text}."


def evidence_sentence(evidence: Evidence) -> str:
    """``Evidence: 2 reports (DK 1, SE 1; seizure), sampled 2026-01-02 to 2026-01-09.``"""
    if not evidence.report_ids:
        return ""
    by_country = evidence.reports_by_country or {c: 0 for c in evidence.countries}
    countries = ", ".join(f"{c} {n}" if n else c for c, n in sorted(by_country.items()))
    kinds = ", ".join(SAMPLE_TYPE_WORDS.get(kind, kind) for kind in evidence.sample_types)
    detail = "; ".join(part for part in (countries, kinds) if part)
    text = f"Evidence: {_plural(evidence.report_count, 'report')}" + (f" ({detail})" if detail else "")
    first, last = evidence.first_sampled_on, evidence.last_sampled_on
    if first and last and first != last:
        text += f", sampled {first.isoformat()} to {last.isoformat()}"
    elif first:
        text += f", sampled {first.isoformat()}"
    return text + "."


def describe(alert: Alert) -> str:
    """The alert's own sentence (``alert.summary`` as the signal wrote it) followed by the
    substance's identity, the evidence, its legal status and its family."""
    sentences = [alert.summary.strip()]
    substance = alert.substance
    if substance is not None and (substance.formula or substance.smiles):
        identity = ", ".join(
            part
            for part in (
                substance.formula,
                f"SMILES {substance.smiles}" if substance.smiles else None,
                f"InChIKey {substance.inchikey}",
            )
            if part
        )
        sentences.append(f"Substance: {substance.name or 'unnamed'} ({identity}).")
    evidence = evidence_sentence(alert.evidence)
    if evidence:
        sentences.append(evidence)
    if alert.legal_status:
        sentences.append(status_sentence(alert.legal_status))
    if alert.family_id is not None:
        sentences.append(f"Family of related substances: {alert.family_id}.")
    elif alert.substance_inchikey is not None and alert.type is not AlertType.family_growth:
        sentences.append(
            "Its family of related substances is not known yet: substances are placed after "
            "intake, and a later alert names the family."
        )
    return " ".join(sentences)


def alert_text(alert: Alert) -> list[str]:
    """The alert as plain-text lines: headline, paragraph, identity, status, evidence, links."""
    lines = [headline(alert), "", alert.summary, ""]
    substance = alert.substance
    if substance is not None:
        lines += [f"Name:      {substance.name or 'unnamed'}", f"InChIKey:  {substance.inchikey}"]
        if substance.formula:
            lines.append(f"Formula:   {substance.formula}")
        if substance.smiles:
            lines.append(f"SMILES:    {substance.smiles}")
    if alert.legal_status:
        lines.append("Status:")
        for entry in alert.legal_status:
            groups = f" by {', '.join(entry.group_ids)}" if entry.group_ids else ""
            lines.append(
                f"  {entry.jurisdiction:4} {entry.status}{groups}" + (f" ({entry.name})" if entry.name else "")
            )
    evidence = alert.evidence
    if evidence.report_ids:
        counts = ", ".join(f"{c}: {n}" for c, n in sorted(evidence.reports_by_country.items())) or ", ".join(
            evidence.countries
        )
        kinds = ", ".join(SAMPLE_TYPE_WORDS.get(k, k) for k in evidence.sample_types)
        lines.append(
            f"Evidence:  {evidence.report_count} report(s); countries {counts}" + (f"; {kinds}" if kinds else "")
        )
        if evidence.first_sampled_on:
            lines.append(f"Sampled:   {evidence.first_sampled_on} to {evidence.last_sampled_on}")
    lines.append(f"Family:    {alert.family_id or 'not placed yet (a later alert names it)'}")
    links = alert.links
    for label, url in (("Substance page", links.substance_page), ("API", links.substance_api), ("Alert", links.alert)):
        if url:
            lines.append(f"{label}: {url}")
    return lines


def alert_html(alert: Alert, *, image_src: str | None = None) -> str:
    """The alert as an HTML fragment (escaped), with the depiction at ``image_src`` if given."""
    e = html.escape
    substance = alert.substance
    parts = [f"<h2>{e(headline(alert))}</h2>", f"<p>{e(alert.summary)}</p>"]
    if image_src is not None:
        parts.append(
            f'<p><img src="{e(image_src)}" alt="Structure of '
            f'{e(substance.name or substance.inchikey) if substance else ""}" width="300" height="200"></p>'
        )
    rows = []
    if substance is not None:
        rows += [
            ("Name", substance.name or "unnamed"),
            ("InChIKey", substance.inchikey),
            ("Formula", substance.formula or ""),
            ("SMILES", substance.smiles or ""),
        ]
    rows.append(("Family", alert.family_id or "not placed yet (a later alert names it)"))
    table = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
    parts.append(f"<table>{table}</table>")
    if alert.legal_status:
        items = "".join(
            f"<li><b>{e(s.jurisdiction)}</b> {e(s.name or '')}: {e(s.status)}"
            + (f" ({e(', '.join(s.group_ids))})" if s.group_ids else "")
            + "</li>"
            for s in alert.legal_status
        )
        parts.append(f"<p>{e(status_sentence(alert.legal_status))}</p><ul>{items}</ul>")
    links = alert.links
    anchors = [
        f'<a href="{e(url)}">{e(label)}</a>'
        for label, url in (
            ("Open the substance's page", links.substance_page),
            ("API resource", links.substance_api),
            ("This alert", links.alert),
        )
        if url
    ]
    if anchors:
        parts.append("<p>" + " · ".join(anchors) + "</p>")
    return "\n".join(parts)
