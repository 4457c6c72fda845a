"""OASIS Common Alerting Protocol 1.2 documents for alerts.

Scope is ``Restricted``: an alert carries unpublished casework (fatal intoxications, seizures,
which laboratory found what) meant for the authorities in the early-warning network, the same
audience as the EU EWS risk communications. Whether and how to warn the public is the health
authority's decision, made on this information, not a default of the software. ``Restricted``
requires a ``<restriction>`` text saying who may receive the message.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from alerts.model import EVENT_NAMES, Alert, AlertType, Severity, headline

__all__ = ["CAP_NAMESPACE", "DEFAULT_RESTRICTION", "alert_to_cap", "cap_datetime"]

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_RESTRICTION = "Authorities subscribed to this Varsel early-warning service; not for public release."
ALERT_TYPE_CODE = "urn:varsel:alert-type"
COUNTRY_GEOCODE = "ISO 3166-1 alpha-2"

_CAP_SEVERITY = {
    Severity.critical: "Extreme",
    Severity.high: "Severe",
    Severity.moderate: "Moderate",
    Severity.low: "Minor",
    Severity.info: "Minor",
}
# Urgency is how soon responders should act; it follows our severity, not the alert type, so
# a fatal case and a fast spread both reach the top.
_CAP_URGENCY = {
    Severity.critical: "Immediate",
    Severity.high: "Immediate",
    Severity.moderate: "Expected",
    Severity.low: "Future",
    Severity.info: "Future",
}
# A report is an observation; an advisory infers risk from group membership or similarity.
_CAP_CERTAINTY = {alert_type: "Observed" for alert_type in AlertType} | {AlertType.uncontrolled_advisory: "Likely"}

_FORBIDDEN_IN_IDS = frozenset(" ,<&")


def cap_datetime(moment: datetime) -> str:
    """CAP 1.2 forbids ``Z`` and fractional seconds and writes UTC as ``-00:00``."""
    utc = moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "-00:00"


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    pair = _child(parent, tag)
    _child(pair, "valueName", name)
    _child(pair, "value", value)


def alert_to_cap(
    alert: Alert,
    *,
    sender: str,
    alert_url: str | None = None,
    sender_name: str = "Varsel",
    restriction: str = DEFAULT_RESTRICTION,
    depiction: bytes | None = None,
) -> bytes:
    """A CAP 1.2 ``<alert>`` as UTF-8 XML; ``sender`` is the installation's address, e.g.
    ``varsel@health.example``, without spaces, commas, ``<`` or ``&``.

    The structure's drawing is a ``<resource>``: its ``<uri>`` (alert.links.depiction) and, when
    ``depiction`` (PNG bytes) is given, the picture itself in ``<derefUri>`` with its SHA-1
    ``<digest>``, so a CAP client without access to the API still shows it."""
    if not sender or _FORBIDDEN_IN_IDS.intersection(sender):
        raise ValueError(f"CAP sender {sender!r} must be non-empty without spaces, commas, '<' or '&'")

    root = ET.Element(f"{{{CAP_NAMESPACE}}}alert")
    _child(root, "identifier", f"urn:uuid:{alert.id}")
    _child(root, "sender", sender)
    _child(root, "sent", cap_datetime(alert.created_at))
    _child(root, "status", "Actual")
    _child(root, "msgType", "Alert" if alert.updates is None else "Update")
    _child(root, "scope", "Restricted")
    _child(root, "restriction", restriction)
    if alert.updates is not None:
        _child(root, "references", f"{sender},urn:uuid:{alert.updates.id},{cap_datetime(alert.updates.created_at)}")

    # Element order inside <info> is fixed by the schema's xs:sequence.
    info = _child(root, "info")
    _child(info, "language", "en")
    _child(info, "category", "Health")
    _child(info, "event", EVENT_NAMES[alert.type])
    _child(info, "urgency", _CAP_URGENCY[alert.severity])
    _child(info, "severity", _CAP_SEVERITY[alert.severity])
    _child(info, "certainty", _CAP_CERTAINTY[alert.type])
    _pair(info, "eventCode", ALERT_TYPE_CODE, alert.type.value)
    _child(info, "senderName", sender_name)
    _child(info, "headline", headline(alert))
    _child(info, "description", alert.summary)
    _child(info, "instruction", _instruction(alert))
    web = alert.links.substance_page or alert_url
    if web is not None:
        _child(info, "web", web)
    for name, value in _parameters(alert):
        _pair(info, "parameter", name, value)
    if alert.links.depiction or depiction is not None:
        resource = _child(info, "resource")
        _child(resource, "resourceDesc", "Structure depiction")
        _child(resource, "mimeType", "image/png")
        if depiction is not None:
            _child(resource, "size", str(len(depiction)))
        if alert.links.depiction:
            _child(resource, "uri", alert.links.depiction)
        if depiction is not None:
            _child(resource, "derefUri", base64.b64encode(depiction).decode("ascii"))
            _child(resource, "digest", hashlib.sha1(depiction).hexdigest())  # CAP 1.2 names SHA-1

    countries = alert.evidence.countries
    if countries:
        area = _child(info, "area")
        _child(area, "areaDesc", ", ".join(countries))
        for country in countries:
            _pair(area, "geocode", COUNTRY_GEOCODE, country)

    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NAMESPACE)


def _instruction(alert: Alert) -> str:
    if alert.links.substance_page:
        return f"Open the substance's page for its structure, evidence and legal status: {alert.links.substance_page}"
    return "See the description and parameters for the evidence behind this alert."


def _parameters(alert: Alert) -> list[tuple[str, str]]:
    evidence = alert.evidence
    parameters: list[tuple[str, str]] = [("severity", alert.severity.value)]
    if alert.substance_inchikey:
        parameters.append(("InChIKey", alert.substance_inchikey))
    if alert.substance_name:
        parameters.append(("substanceName", alert.substance_name))
    if alert.substance is not None:
        if alert.substance.smiles:
            parameters.append(("SMILES", alert.substance.smiles))
        if alert.substance.formula:
            parameters.append(("formula", alert.substance.formula))
    for entry in alert.legal_status:
        groups = f" ({', '.join(entry.group_ids)})" if entry.group_ids else ""
        parameters.append(("legalStatus", f"{entry.jurisdiction}: {entry.status}{groups}"))
    if alert.links.substance_api:
        parameters.append(("substanceResource", alert.links.substance_api))
    for country, reports in sorted(evidence.reports_by_country.items()):
        parameters.append(("reportsInCountry", f"{country}: {reports}"))
    parameters += [("sampleType", kind) for kind in evidence.sample_types]
    if alert.family_id:
        parameters.append(("familyId", alert.family_id))
    else:
        parameters.append(("familyId", "not placed yet"))
    parameters += [("groupId", group) for group in alert.group_ids]
    parameters += [("uncontrolledIn", jurisdiction) for jurisdiction in alert.uncontrolled_in]
    parameters += [("reportId", report) for report in evidence.report_ids]
    if evidence.first_sampled_on:
        parameters.append(("firstSampledOn", evidence.first_sampled_on.isoformat()))
    if evidence.last_sampled_on:
        parameters.append(("lastSampledOn", evidence.last_sampled_on.isoformat()))
    return parameters
