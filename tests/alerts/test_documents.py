"""Alert documents: CloudEvents 1.0 JSON, CAP 1.2 XML (validated against the OASIS schema), Atom 1.0."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from alerts.atom import alerts_feed
from alerts.cap import alert_to_cap
from alerts.cloudevents import alert_event, digest_event, to_json_bytes
from alerts.model import Alert, AlertType, Evidence, Severity

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
CAP_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("data") / "CAP-v1.2.xsd")))
# RFC 3339 section 5.6 date-time, in the UTC "Z" form we emit.
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# --- CloudEvents --------------------------------------------------------------------------------


def test_alert_event_has_the_required_and_chosen_context_attributes(make_alert):
    alert = make_alert()
    event = alert_event(alert, instance="dk-sst")
    # CloudEvents 1.0 REQUIRED: id, source, specversion, type; the rest are OPTIONAL ones we set.
    assert event["specversion"] == "1.0"
    assert event["id"] == str(alert.id)
    assert event["source"] == "urn:varsel:dk-sst"
    assert event["type"] == "eu.varsel.alert.substance.first_detection"
    assert event["subject"] == "YELGFTGWJGBAQU-UHFFFAOYSA-N"
    assert event["datacontenttype"] == "application/json"
    assert event["time"] == "2025-03-03T09:30:15Z"
    assert RFC3339_UTC.match(event["time"])
    # extension attribute names: lower-case a-z and 0-9 only
    for name in set(event) - {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "datacontenttype",
        "time",
        "data",
    }:
        assert re.fullmatch(r"[a-z0-9]{1,20}", name)
    assert Alert.model_validate(event["data"]) == alert


def test_family_alert_event_uses_the_family_as_subject(make_alert):
    alert = make_alert(type=AlertType.family_growth, substance_inchikey=None, substance_name=None, family_id="fam-1")
    assert alert_event(alert, instance="x")["subject"] == "fam-1"


def test_event_bytes_are_compact_utf8_json_and_stable(make_alert):
    event = alert_event(make_alert(substance_name="α-PVP"), instance="x")
    body = to_json_bytes(event)
    assert json.loads(body) == event
    assert "α-PVP".encode() in body
    assert to_json_bytes(json.loads(body)) == body


def test_digest_carries_several_alerts_and_its_id_ignores_their_order(make_alert):
    first = make_alert()
    second = make_alert(dedup_key="report.intoxication:r9", type=AlertType.intoxication, severity=Severity.critical)
    moment = datetime(2025, 3, 4, 6, 0, tzinfo=timezone.utc)
    digest = digest_event([first, second], instance="x", time=moment)
    assert digest["type"] == "eu.varsel.alert.digest"
    assert digest["time"] == "2025-03-04T06:00:00Z"
    assert {a["id"] for a in digest["data"]["alerts"]} == {str(first.id), str(second.id)}
    assert digest_event([second, first], instance="x", time=moment)["id"] == digest["id"]
    assert digest_event([first], instance="x", time=moment)["id"] != digest["id"]


def test_an_empty_digest_is_refused():
    with pytest.raises(ValueError):
        digest_event([], instance="x", time=datetime(2025, 3, 4, tzinfo=timezone.utc))


# --- CAP 1.2 ------------------------------------------------------------------------------------


def parse_cap(document: bytes) -> ET.Element:
    CAP_SCHEMA.assertValid(etree.fromstring(document))
    return ET.fromstring(document)


@pytest.mark.parametrize(
    "severity, cap_severity, urgency",
    [
        (Severity.critical, "Extreme", "Immediate"),
        (Severity.high, "Severe", "Immediate"),
        (Severity.moderate, "Moderate", "Expected"),
        (Severity.low, "Minor", "Future"),
        (Severity.info, "Minor", "Future"),
    ],
)
def test_cap_document_is_schema_valid_for_every_severity(make_alert, severity, cap_severity, urgency):
    root = parse_cap(alert_to_cap(make_alert(severity=severity), sender="varsel@sst.example"))
    assert root.findtext(f"{CAP}info/{CAP}severity") == cap_severity
    assert root.findtext(f"{CAP}info/{CAP}urgency") == urgency


def test_cap_header_and_info_fields(make_alert):
    alert = make_alert()
    root = parse_cap(alert_to_cap(alert, sender="varsel@sst.example", alert_url="https://varsel.example/alerts/1"))
    assert root.tag == f"{CAP}alert"
    assert root.findtext(f"{CAP}identifier") == f"urn:uuid:{alert.id}"
    assert root.findtext(f"{CAP}sender") == "varsel@sst.example"
    # CAP 1.2 3.3.2: no "Z", no fractional seconds, UTC written as -00:00
    assert root.findtext(f"{CAP}sent") == "2025-03-03T09:30:15-00:00"
    assert root.findtext(f"{CAP}status") == "Actual"
    assert root.findtext(f"{CAP}msgType") == "Alert"
    assert root.findtext(f"{CAP}scope") == "Restricted"
    assert root.findtext(f"{CAP}restriction")
    info = root.find(f"{CAP}info")
    assert info is not None
    assert info.findtext(f"{CAP}category") == "Health"
    assert info.findtext(f"{CAP}certainty") == "Observed"
    assert info.findtext(f"{CAP}event") == "First detection of a new psychoactive substance"
    assert info.findtext(f"{CAP}headline") == "First detection of a new psychoactive substance: mephedrone"
    assert info.findtext(f"{CAP}description") == alert.summary
    assert info.findtext(f"{CAP}web") == "https://varsel.example/alerts/1"
    parameters = [(p.findtext(f"{CAP}valueName"), p.findtext(f"{CAP}value")) for p in info.findall(f"{CAP}parameter")]
    assert ("InChIKey", "YELGFTGWJGBAQU-UHFFFAOYSA-N") in parameters
    assert ("reportId", "r1") in parameters
    assert ("groupId", "gb-mda-1971-cathinones") in parameters


def test_cap_area_lists_the_evidence_countries_as_iso_geocodes(make_alert):
    alert = make_alert(evidence=Evidence(report_ids=("r1", "r2"), countries=("SE", "DK")))
    area = parse_cap(alert_to_cap(alert, sender="varsel@sst.example")).find(f"{CAP}info/{CAP}area")
    assert area is not None
    assert area.findtext(f"{CAP}areaDesc") == "DK, SE"
    assert [g.findtext(f"{CAP}value") for g in area.findall(f"{CAP}geocode")] == ["DK", "SE"]


def test_cap_advisory_is_likely_not_observed(make_alert):
    alert = make_alert(type=AlertType.uncontrolled_advisory, dedup_key="substance.uncontrolled_advisory:x:DK")
    root = parse_cap(alert_to_cap(alert, sender="varsel@sst.example"))
    assert root.findtext(f"{CAP}info/{CAP}certainty") == "Likely"


def test_cap_sender_with_a_space_is_refused(make_alert):
    with pytest.raises(ValueError, match="sender"):
        alert_to_cap(make_alert(), sender="Danish Health Authority")


def test_the_schema_would_catch_a_z_timestamp(make_alert):
    # Guards the guard: the schema copy really checks the sent pattern.
    document = alert_to_cap(make_alert(), sender="varsel@sst.example").replace(b"-00:00</", b"Z</")
    assert not CAP_SCHEMA.validate(etree.fromstring(document))


# --- Atom 1.0 -----------------------------------------------------------------------------------


def test_atom_feed_has_the_rfc_4287_required_elements_and_newest_entry_first(make_alert):
    older = make_alert(created_at=datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc))
    newer = make_alert(
        dedup_key="report.intoxication:r7",
        type=AlertType.intoxication,
        severity=Severity.critical,
        created_at=datetime(2025, 3, 2, 8, 0, tzinfo=timezone.utc),
    )
    document = alerts_feed(
        [older, newer],
        feed_id="urn:varsel:dk-sst:alerts",
        title="Varsel alerts",
        self_url="https://varsel.example/alerts.atom",
        alert_url=lambda a: f"https://varsel.example/alerts/{a.id}",
    )
    feed = ET.fromstring(document)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "urn:varsel:dk-sst:alerts"
    assert feed.findtext(f"{ATOM}title") == "Varsel alerts"
    assert feed.findtext(f"{ATOM}updated") == "2025-03-02T08:00:00Z"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Varsel"
    (self_link,) = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == "https://varsel.example/alerts.atom"

    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"urn:uuid:{newer.id}", f"urn:uuid:{older.id}"]
    for entry, alert in zip(entries, [newer, older], strict=True):
        assert entry.findtext(f"{ATOM}title")
        updated = entry.findtext(f"{ATOM}updated")
        assert updated is not None and RFC3339_UTC.match(updated)
        assert entry.findtext(f"{ATOM}summary") == alert.summary
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href") == f"https://varsel.example/alerts/{alert.id}"
        assert alert.type.value in [c.get("term") for c in entry.findall(f"{ATOM}category")]


def test_an_empty_feed_needs_an_explicit_updated_time():
    kwargs: dict[str, Any] = dict(
        feed_id="urn:varsel:x:alerts", title="t", self_url="https://v.example/a.atom", alert_url=str
    )
    with pytest.raises(ValueError, match="updated"):
        alerts_feed([], **kwargs)
    feed = ET.fromstring(alerts_feed([], updated=datetime(2025, 3, 1, tzinfo=timezone.utc), **kwargs))
    assert feed.findtext(f"{ATOM}updated") == "2025-03-01T00:00:00Z"
    assert feed.findall(f"{ATOM}entry") == []


def test_feed_text_is_escaped(make_alert):
    alert = make_alert(summary="<script>alert(1)</script> & more")
    document = alerts_feed(
        [alert],
        feed_id="urn:varsel:x:alerts",
        title="t",
        self_url="https://v.example/a.atom",
        alert_url=lambda a: "https://v.example/?a=1&b=2",
    )
    entry = ET.fromstring(document).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}summary") == "<script>alert(1)</script> & more"
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href") == "https://v.example/?a=1&b=2"
