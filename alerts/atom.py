"""An Atom 1.0 feed (RFC 4287) of alerts, for readers and systems that poll instead of
receiving webhooks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime

from alerts.content import alert_html
from alerts.model import Alert, headline, rfc3339_utc

__all__ = ["ATOM_NAMESPACE", "alerts_feed"]

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
ALERT_TYPE_SCHEME = "urn:varsel:alert-type"
SEVERITY_SCHEME = "urn:varsel:severity"


# Elements are written unqualified under an explicit default xmlns on <feed>: ElementTree's
# default_namespace option cannot serialise the unqualified attributes (rel, href) Atom uses.
def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def alerts_feed(
    alerts: Sequence[Alert],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alert_url: Callable[[Alert], str],
    updated: datetime | None = None,
    author: str = "Varsel",
) -> bytes:
    """The feed as UTF-8 XML, newest alert first.

    ``feed_id`` must be a permanent IRI for this feed (e.g. ``urn:varsel:<instance>:alerts``).
    ``updated`` defaults to the newest alert's time; an empty feed has none, so it must be given.
    """
    if updated is None:
        if not alerts:
            raise ValueError("an empty feed needs an explicit 'updated' time")
        updated = max(alert.created_at for alert in alerts)

    feed = ET.Element("feed", xmlns=ATOM_NAMESPACE)
    _child(feed, "id", feed_id)
    _child(feed, "title", title)
    _child(feed, "updated", rfc3339_utc(updated))
    _child(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    # RFC 4287 requires an author on the feed unless every entry has one.
    _child(_child(feed, "author"), "name", author)

    for alert in sorted(alerts, key=lambda a: (a.created_at, str(a.id)), reverse=True):
        entry = _child(feed, "entry")
        _child(entry, "id", f"urn:uuid:{alert.id}")
        _child(entry, "title", headline(alert))
        _child(entry, "updated", rfc3339_utc(alert.created_at))
        _child(entry, "published", rfc3339_utc(alert.created_at))
        # a feed reader opens "alternate": the substance's page when there is one, for a person
        _child(entry, "link", rel="alternate", href=alert.links.substance_page or alert_url(alert), type="text/html")
        _child(entry, "link", rel="related", href=alert_url(alert), type="application/json")
        if alert.links.substance_api:
            _child(entry, "link", rel="related", href=alert.links.substance_api, type="application/json")
        _child(entry, "category", term=alert.type.value, scheme=ALERT_TYPE_SCHEME)
        _child(entry, "category", term=alert.severity.value, scheme=SEVERITY_SCHEME)
        _child(entry, "summary", alert.summary, type="text")
        # the whole alert for the reader's pane: identity, status per jurisdiction, evidence, links
        _child(entry, "content", alert_html(alert, image_src=alert.links.depiction), type="html")

    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
