"""Where a stored report becomes alerts and queued deliveries, inside the report's transaction.

Report intake calls :func:`raise_alerts` for a batch just before inserting its reports, in the
same transaction (so the history it reads is exactly the reports stored before the batch). The
alerts, one delivery per matching immediate subscription and one digest entry per matching
digest subscription are written in that same transaction (the transactional outbox): either the
report and everything it raised are stored, or none of it is. Nothing is sent here; workers
claim the deliveries afterwards (service.alerting.store).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import bindparam, func, text
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select
from ulid import ULID

from alerts.cloudevents import alert_event, to_json_bytes
from alerts.model import Alert, AlertLinks, AlertType, SubscriptionFilter, matches
from alerts.signals import (
    ControlStatus,
    LegalStatus,
    NearestControlled,
    ReportFacts,
    SampleType,
    SignalThresholds,
    SubstanceActivity,
    escalation_dedup_key,
    evaluate_placement,
    evaluate_report,
    family_placement_dedup_key,
    family_update,
)
from service.alerting.models import AlertRow, Delivery, DeliveryKind, DeliveryState, DigestEntry
from service.classification.live import shipped_jurisdictions
from service.classification.models import SubstanceClassification
from service.db import stored_id, table_of
from service.organisations.models import Organisation
from service.reports.models import Report
from service.settings import Settings, get_settings
from service.subscriptions.models import Channel, Filters, Mode, Subscription
from service.substances.models import Substance
from service.substances.service import names_for


@dataclass(frozen=True, slots=True)
class Classification:
    """What chemistry knows about a substance beyond its identity; empty until it is known."""

    legal_status: dict[str, LegalStatus] = field(default_factory=dict)
    nearest_controlled: NearestControlled | None = None
    family_id: str | None = None
    family_size: int | None = None
    names: tuple[str, ...] = ()


_CONTROL = {
    "controlled_by_group": ControlStatus.controlled,
    "controlled_by_name": ControlStatus.controlled,
    "not_controlled": ControlStatus.uncontrolled,
    "undetermined": ControlStatus.unknown,  # a rule's search ran out of the per-molecule budget
}


def _PARTIALLY_ENCODED() -> frozenset[str]:  # noqa: N802 - read like a constant
    """Jurisdictions whose named schedules are not encoded: 'not captured' is 'unknown' there."""
    return frozenset(code for code, info in shipped_jurisdictions().items() if not info.named_lists_encoded)


def classify_substance(session: Session, substance: Substance) -> Classification:
    """Legal status per jurisdiction from the stored classification; see classify_substances."""
    return classify_substances(session, [substance])[stored_id(substance)]


_SC = table_of(SubstanceClassification).c
_CLASSIFICATIONS = core_select(_SC.substance_id, _SC.jurisdiction, _SC.status, _SC.rule_ids).where(
    _SC.substance_id.in_(bindparam("ids", expanding=True))
)


def classify_substances(session: Session, substances: Iterable[Substance]) -> dict[int, Classification]:
    """Legal status per jurisdiction of each substance, in one query, from the stored
    classification (written for a new substance earlier in this same transaction, and kept
    current by the reclassify job).

    Families are placed by the worker after the report is stored, so family facts are not known
    here; nearest-controlled similarity is not computed at intake either.
    """
    statuses: dict[int, dict[str, LegalStatus]] = {stored_id(s): {} for s in substances}
    if statuses:
        for substance_id, jurisdiction, status, rule_ids in session.execute(_CLASSIFICATIONS, {"ids": list(statuses)}):
            control = _CONTROL.get(status, ControlStatus.unknown)
            if control is ControlStatus.uncontrolled and jurisdiction in _PARTIALLY_ENCODED():
                control = ControlStatus.unknown
            known = shipped_jurisdictions().get(jurisdiction)
            statuses[substance_id][jurisdiction] = LegalStatus(
                status=control,
                matched_group_ids=tuple(rule_ids) if status == "controlled_by_group" else (),
                jurisdiction_name=known.name if known is not None else None,
            )
    names = names_for(session, statuses) if statuses else {}
    return {
        substance_id: Classification(legal_status=legal, names=tuple(names.get(substance_id, ())))
        for substance_id, legal in statuses.items()
    }


def thresholds_from(settings: Settings, *, advisory_jurisdictions: frozenset[str] | None = None) -> SignalThresholds:
    return SignalThresholds(
        escalation_min_organisations=settings.signal_escalation_min_organisations,
        escalation_min_countries=settings.signal_escalation_min_countries,
        escalation_window=dt.timedelta(days=settings.signal_escalation_window_days),
        advisory_min_similarity=settings.signal_advisory_min_similarity,
        family_growth_step=settings.signal_family_growth_step,
        advisory_jurisdictions=advisory_jurisdictions,
    )


def public_base(settings: Settings) -> str:
    """The base of every link an alert carries: VARSEL_PUBLIC_URL, else the address served on."""
    return settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"


def with_links(alert: Alert, *, base: str) -> Alert:
    """The alert with absolute links to itself, its substance's page, API resource and depiction."""
    links = AlertLinks(alert=f"{base}/v1/alerts/{alert.id}")
    if alert.substance_inchikey:
        ik = alert.substance_inchikey
        links = links.model_copy(
            update={
                "substance_page": f"{base}/substances/{ik}",
                "substance_api": f"{base}/v1/substances/{ik}",
                "depiction": f"{base}/v1/alerts/{alert.id}/depiction.png",
            }
        )
    return alert.model_copy(update={"links": links})


# Built once: intake runs these for every report, and a prebuilt statement skips SQLAlchemy's
# construction and cache-key work (it is compiled once per dialect and cached).
_R = table_of(Report).c
_A = table_of(AlertRow).c
# Who has reported each substance (organisation, country), all time, in one scan of the covering
# index ix_report_substance_reporters: the countries answer "first in this country", and the
# pairs bound escalation (may_reach) so that recent reports are read only where they could matter.
_HISTORY_REPORTERS = (
    core_select(_R.substance_id, _R.organisation_id, _R.country)
    .distinct()
    .where(_R.substance_id.in_(bindparam("ids", expanding=True)))
)
_HISTORY_RECENT = core_select(
    _R.substance_id, _R.id, _R.organisation_id, _R.country, _R.sampled_on, _R.sample_type
).where(
    _R.substance_id.in_(bindparam("ids", expanding=True)),
    _R.sampled_on >= bindparam("since"),
    _R.sampled_on <= bindparam("until"),
)
# PostgreSQL: INSERT ... ON CONFLICT DO NOTHING RETURNING id, one constant single-row statement
# sent for every alert in one pipelined executemany (psycopg's returning=True). SQLAlchemy would
# send a multi-row VALUES statement whose text changes with the number of rows, which psycopg
# then re-parses in Python on every call: half the alert insert's time, profiled.
_ALERT_COLUMNS = [column.name for column in table_of(AlertRow).columns]
_INSERT_ALERT_PG = (
    f"INSERT INTO alert ({', '.join(_ALERT_COLUMNS)}) "
    f"VALUES ({', '.join('%s::json' if name == 'document' else '%s' for name in _ALERT_COLUMNS)}) "
    "ON CONFLICT DO NOTHING RETURNING id"
)


def _insert_alerts_postgresql(session: Session, rows: list[dict]) -> set[str]:
    """Ids of the alerts this transaction stored; one stored first by a concurrent transaction is
    skipped (PostgreSQL waits for that one to commit)."""
    driver = session.connection().connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"PostgreSQL through psycopg 3 expected, not {type(driver).__name__}")
    cursor = driver.cursor()
    try:
        cursor.executemany(
            _INSERT_ALERT_PG,
            [
                tuple(json.dumps(row[name]) if name == "document" else row[name] for name in _ALERT_COLUMNS)
                for row in rows
            ],
            returning=True,
        )
        inserted: set[str] = set()
        while True:
            inserted.update(found for (found,) in cursor.fetchall())
            if not cursor.nextset():
                return inserted
    finally:
        cursor.close()


_EXISTING_ALERT_IDS = core_select(_A.id).where(_A.id.in_(bindparam("ids", expanding=True)))
# Intoxication alerts are keyed by their report, and the batch's reports are new: leaving them
# out keeps this read to a handful of conditions per substance instead of one row per case.
_HISTORY_ALERTS = core_select(_A.dedup_key).where(
    _A.substance_inchikey.in_(bindparam("keys", expanding=True)), _A.type != AlertType.intoxication.value
)


def _window_start(day: dt.date, window: dt.timedelta) -> dt.date:
    """``day - window``, or the first date there is: one report sampled near year 1 (intake
    refuses those; a stored or imported row may hold one) must not fail its whole batch."""
    try:
        return day - window
    except OverflowError:
        return dt.date.min


class DatabaseSignalHistory:
    """:class:`alerts.signals.SignalHistory` on the report and alert tables.

    With ``new_reports`` (intake), ``batch`` holds reports about to be inserted: the database
    holds exactly the reports stored before them, and each report of the batch also sees the
    batch reports evaluated before it (the batch is evaluated in order). Without it (placement),
    ``batch`` holds stored reports and only :meth:`alert_exists` may be asked. Alerts raised
    earlier in the same transaction count as existing.
    """

    def __init__(
        self,
        session: Session,
        *,
        batch: Sequence[tuple[dict, Substance]],
        thresholds: SignalThresholds,
        new_reports: bool = True,
    ) -> None:
        # What the batch needs is read up front, in a few queries whatever the batch size;
        # each report then sees the prefetched past plus the batch reports evaluated before it.
        self.raised: set[str] = set()
        self._session = session
        self._inchikeys = {s.inchikey for _, s in batch}
        self._substance_ids = {s.inchikey: stored_id(s) for _, s in batch}
        ids = list(self._substance_ids.values())
        self._new_reports = new_reports
        # ids minted for this batch (``new_reports``): no alert stored before it can name one
        self._fresh_report_ids = {row["id"] for row, _ in batch} if new_reports else set()
        self._countries: dict[int, set[str]] = defaultdict(set)
        # escalation bound: every organisation and country that reported it, stored or in the batch
        self._reporters: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
        if new_reports:
            for substance_id, organisation_id, country in session.execute(_HISTORY_REPORTERS, {"ids": ids}):
                self._countries[substance_id].add(country)
                self._reporters[substance_id][0].add(organisation_id)
                self._reporters[substance_id][1].add(country)
            for row, substance in batch:
                self._reporters[stored_id(substance)][0].add(row["organisation_id"])
                self._reporters[stored_id(substance)][1].add(row["country"])
        self._existing = set(session.execute(_HISTORY_ALERTS, {"keys": list(self._inchikeys)}).scalars())
        # Recent reports matter only to escalation, which fires once per substance: they are
        # read, on first use, for the substances still below it whose reporters are diverse
        # enough to reach it (may_reach), not for busy substances that escalated long ago or
        # that one laboratory keeps reporting.
        self._since = _window_start(min(row["sampled_on"] for row, _ in batch), thresholds.escalation_window)
        self._until = max(row["sampled_on"] for row, _ in batch)
        self._thresholds = thresholds
        self._unescalated = [
            (substance_id, inchikey)
            for inchikey, substance_id in self._substance_ids.items()
            if escalation_dedup_key(inchikey, thresholds) not in self._existing
        ]
        # stored reports of the substances read so far, then the batch's as they are evaluated
        self._recent: dict[int, list[tuple[str, str, str, dt.date, str]]] = defaultdict(list)
        self._fetched: set[int] = set()

    def _require_new_reports(self) -> None:
        if not self._new_reports:
            raise RuntimeError("this history was built for stored reports: it answers alert_exists only")

    def countries_reporting(self, inchikey: str) -> set[str]:
        self._require_new_reports()
        return set(self._countries[self._substance_ids[inchikey]])

    def may_reach(self, inchikey: str, *, organisations: int, countries: int) -> bool:
        """An upper bound: the distinct organisations and countries that ever reported the
        substance, stored or in this batch."""
        self._require_new_reports()
        seen_organisations, seen_countries = self._reporters[self._substance_ids[inchikey]]
        return len(seen_organisations) >= organisations and len(seen_countries) >= countries

    def _recent_reports(self, substance_id: int) -> list[tuple[str, str, str, dt.date, str]]:
        if substance_id not in self._fetched:
            # on first use, for every substance that may still escalate, in one query
            wanted = {substance_id} | {
                i
                for i, inchikey in self._unescalated
                if self.may_reach(
                    inchikey,
                    organisations=self._thresholds.escalation_min_organisations - 1,
                    countries=self._thresholds.escalation_min_countries - 1,
                )
            }
            wanted -= self._fetched
            for sid, report_id, organisation_id, country, sampled_on, sample_type in self._session.execute(
                _HISTORY_RECENT, {"ids": list(wanted), "since": self._since, "until": self._until}
            ):
                self._recent[sid].append((report_id, str(organisation_id), country, sampled_on, sample_type))
            self._fetched |= wanted
        return self._recent[substance_id]

    def activity_between(self, inchikey: str, *, sampled_from: dt.date, sampled_to: dt.date) -> SubstanceActivity:
        self._require_new_reports()
        rows = [r for r in self._recent_reports(self._substance_ids[inchikey]) if sampled_from <= r[3] <= sampled_to]
        by_country: dict[str, int] = defaultdict(int)
        for row in rows:
            by_country[row[2]] += 1
        return SubstanceActivity(
            organisation_ids=frozenset(r[1] for r in rows),
            countries=frozenset(r[2] for r in rows),
            report_ids=frozenset(r[0] for r in rows),
            earliest_sampled_on=min((r[3] for r in rows), default=None),
            reports_by_country=dict(by_country),
            sample_types=frozenset(r[4] for r in rows),
        )

    def alert_exists(self, dedup_key: str) -> bool:
        if dedup_key in self.raised or dedup_key in self._existing:
            return True
        if any(part in self._inchikeys or part in self._fresh_report_ids for part in dedup_key.split(":")):
            return False  # every stored alert about these substances was prefetched
        found = self._session.exec(select(func.count()).select_from(AlertRow).where(AlertRow.dedup_key == dedup_key))
        return found.one() > 0

    def evaluated(self, substance_id: int, row: dict) -> None:
        """The report is now part of the past for the reports after it in the batch."""
        self._countries[substance_id].add(row["country"])
        self._recent[substance_id].append(
            (row["id"], str(row["organisation_id"]), row["country"], row["sampled_on"], row["sample_type"])
        )


def raise_alerts(
    session: Session, *, stored: Sequence[tuple[dict, Substance | None]], settings: Settings | None = None
) -> list[Alert]:
    """Evaluate the signal rules for reports about to be inserted in ``session``'s transaction
    (call it just before inserting them) and queue what they raise. ``stored`` holds each
    report's column values and its substance.

    Returns the alerts stored by this call (not those another transaction stored first).
    """
    settings = settings or get_settings()
    with_substance = [(row, s) for row, s in stored if s is not None]
    if not with_substance:
        return []
    thresholds = thresholds_from(settings, advisory_jurisdictions=advisory_jurisdictions(session))
    history = DatabaseSignalHistory(session, batch=with_substance, thresholds=thresholds)
    classifications = classify_substances(session, {s.id: s for _, s in with_substance}.values())
    raised: list[Alert] = []
    caused_by: dict[str, str | None] = {}  # alert -> the request that filed its report
    for row, substance in with_substance:
        facts = _facts(row, substance, classifications[stored_id(substance)])
        for alert in evaluate_report(facts, history=history, thresholds=thresholds):
            history.raised.add(alert.dedup_key)
            raised.append(alert)
            caused_by[alert.dedup_key] = row.get("request_id")
        history.evaluated(stored_id(substance), row)
    if not raised:
        return []
    return _store_and_queue(session, raised, settings=settings, request_ids=caused_by)


def _facts(row: dict, substance: Substance, known: Classification) -> ReportFacts:
    names = [row["substance_name"]] if row.get("substance_name") else list(known.names)
    return ReportFacts(
        report_id=row["id"],
        substance_inchikey=substance.inchikey,
        substance_name=names[0] if names else None,
        substance_smiles=substance.smiles,
        substance_formula=substance.formula,
        country=row["country"],
        organisation_id=str(row["organisation_id"]),
        sample_type=SampleType(row["sample_type"]),
        sampled_on=row["sampled_on"],
        received_at=row["received_at"],
        is_new_substance=bool(row["substance_was_new"]),
        legal_status=known.legal_status,
        nearest_controlled=known.nearest_controlled,
        family_id=known.family_id,
        family_size=known.family_size,
    )


def alert_row(alert: Alert, *, instance: str, stored_at: dt.datetime) -> dict:
    return {
        "id": str(alert.id),
        "dedup_key": alert.dedup_key,
        "type": alert.type.value,
        "severity": alert.severity.value,
        "severity_rank": alert.severity.rank,
        "substance_inchikey": alert.substance_inchikey,
        "family_id": alert.family_id,
        "countries": "," + ",".join(alert.evidence.countries) + ",",
        "document": alert.model_dump(mode="json"),
        "event": to_json_bytes(alert_event(alert, instance=instance)).decode(),
        "created_at": alert.created_at,
        "stored_at": stored_at,
    }


# Every subscription with its mode and parsed filter, per database, kept while the table's stamp
# (row count, latest updated_at) is unchanged: creating, changing or deleting a subscription moves
# the stamp (every write sets updated_at to now), so a stale list is never used. One aggregate
# query per transaction replaces reading and parsing every subscription for every report.
_SUBSCRIPTION_STAMP = select(func.count(), func.max(Subscription.updated_at))


@dataclass(frozen=True, slots=True)
class _Subscriber:
    id: str
    mode: Mode
    wanted: SubscriptionFilter
    channels: tuple[Channel, ...]
    country: str  # the subscribing organisation's


_SUBSCRIPTIONS: dict[str, tuple[tuple, list[_Subscriber]]] = {}


def _subscriptions(session: Session) -> list[_Subscriber]:
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    stamp = tuple(session.execute(_SUBSCRIPTION_STAMP).one())
    known = _SUBSCRIPTIONS.get(database)
    if known is None or known[0] != stamp:
        rows = session.exec(
            select(Subscription, Organisation.country).join(
                Organisation, col(Organisation.id) == col(Subscription.organisation_id)
            )
        ).all()
        known = _SUBSCRIPTIONS[database] = (
            stamp,
            [
                _Subscriber(s.id, Mode(s.mode), Filters.model_validate(s.filters).to_domain(), s.channels(), country)
                for s, country in rows
            ],
        )
    return known[1]


def advisory_jurisdictions(session: Session) -> frozenset[str]:
    """Jurisdictions that have subscribers, so an advisory about them reaches someone who can act:
    each one a subscription names (``jurisdictions``, ``uncontrolled_in``), and each subscribing
    organisation's own country. An advisory for a jurisdiction nobody watches is only noise."""
    wanted: set[str] = set()
    for subscriber in _subscriptions(session):
        wanted |= subscriber.wanted.jurisdictions
        if subscriber.wanted.uncontrolled_in:
            wanted.add(subscriber.wanted.uncontrolled_in)
        wanted.add(subscriber.country)
    return frozenset(wanted)


# The channel workers LISTEN on for new immediate deliveries (PostgreSQL only).
DELIVERIES_CHANNEL = "varsel_deliveries"
_NOTIFY_DELIVERIES = text(f"NOTIFY {DELIVERIES_CHANNEL}")


def delivery_row(
    *,
    subscription_id: str,
    channel: Channel,
    kind: DeliveryKind,
    message_id: str,
    now: dt.datetime,
    alert_id: str | None = None,
    body: str | None = None,
    request_id: str | None = None,
) -> dict:
    """One queued delivery. An e-mail's message id carries its channel, so an alert reaches a
    subscription that has both channels once by webhook and once by e-mail."""
    return {
        "id": str(ULID()),
        "subscription_id": subscription_id,
        "alert_id": alert_id,
        "kind": kind.value,
        "channel": channel.value,
        "message_id": message_id if channel is Channel.webhook else f"email:{message_id}",
        "body": body,
        "state": DeliveryState.pending.value,
        "next_attempt_at": now,
        "attempts_made": 0,
        "created_at": now,
        "request_id": request_id,
    }


def _store_and_queue(
    session: Session, alerts: Iterable[Alert], *, settings: Settings, request_ids: dict[str, str | None] | None = None
) -> list[Alert]:
    """``request_ids``: the X-Request-ID behind each alert (by dedup key), carried by its deliveries."""
    now = dt.datetime.now(dt.UTC)
    instance = settings.instance_name
    base = public_base(settings)
    ordered = sorted((with_links(a, base=base) for a in alerts), key=lambda a: a.dedup_key)  # one lock order
    if not ordered:
        return []
    # Only the alerts this transaction stores queue deliveries: one that another transaction
    # stored first (a concurrent report of the same substance) is skipped.
    rows = [alert_row(a, instance=instance, stored_at=now) for a in ordered]
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's writer holds the database's only write lock from BEGIN IMMEDIATE on, so the
        # alerts that exist now are all there will be until we commit: one indexed look-up and a
        # plain executemany, instead of RETURNING, which SQLAlchemy sends as multi-row VALUES
        # statements built in Python (a tenth of a batch's intake time).
        taken = set(session.execute(_EXISTING_ALERT_IDS, {"ids": [row["id"] for row in rows]}).scalars())
        rows = [row for row in rows if row["id"] not in taken]
        if rows:
            session.execute(table_of(AlertRow).insert(), rows)
        inserted = {row["id"] for row in rows}
    else:
        inserted = _insert_alerts_postgresql(session, rows)
    stored = [alert for alert in ordered if str(alert.id) in inserted]
    if not stored:
        return []
    subscriptions = _subscriptions(session)
    deliveries: list[dict] = []
    digest_entries: list[dict] = []
    for alert in stored:
        alert_id = str(alert.id)
        for subscriber in subscriptions:
            if not matches(subscriber.wanted, alert):
                continue
            if subscriber.mode is Mode.immediate:
                deliveries.extend(
                    delivery_row(
                        subscription_id=subscriber.id,
                        channel=channel,
                        kind=DeliveryKind.alert,
                        message_id=alert_id,
                        alert_id=alert_id,
                        now=now,
                        request_id=(request_ids or {}).get(alert.dedup_key),
                    )
                    for channel in subscriber.channels
                )
            else:
                digest_entries.append(
                    {"subscription_id": subscriber.id, "alert_id": alert_id, "delivery_id": None, "added_at": now}
                )
    if deliveries:
        session.execute(table_of(Delivery).insert(), deliveries)
        if session.get_bind().dialect.name == "postgresql":
            # delivered at commit (and once per transaction however often sent): a listening
            # worker claims at once instead of at its next tick (service.alerting.dispatcher)
            session.execute(_NOTIFY_DELIVERIES)
    if digest_entries:
        session.execute(table_of(DigestEntry).insert(), digest_entries)
    return stored


# --- family signals, raised by the worker's placement job -------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """One substance the worker has just placed, as the family signals read it.

    ``family_size`` counts the family's members once this substance joined, so a batch that
    places several members of one family gives each its own size and every milestone is reached
    by exactly one substance.
    """

    substance: Substance
    family_id: str
    family_size: int
    nearest_controlled: NearestControlled | None = None


def raise_placement_alerts(
    session: Session, *, placed: Sequence[Placement], settings: Settings | None = None
) -> list[Alert]:
    """Family growth and similar-to-controlled advisories for substances placed in ``session``'s
    transaction, queued through the same outbox as intake's alerts (alerts and deliveries commit
    with the memberships, or not at all).

    The evidence is the report that registered the substance (its earliest); a substance with no
    report (seeded into the registry) counts towards its family's size but raises nothing itself.
    """
    settings = settings or get_settings()
    if not placed:
        return []
    first_report_ids = (
        select(func.min(Report.id))
        .where(col(Report.substance_id).in_([stored_id(p.substance) for p in placed]))
        .group_by(col(Report.substance_id))
    )
    first_reports = {
        report.substance_id: report
        for report in session.exec(select(Report).where(col(Report.id).in_(first_report_ids))).all()
    }
    thresholds = thresholds_from(settings, advisory_jurisdictions=advisory_jurisdictions(session))
    reported = [
        (report.model_dump(), p.substance) for p in placed if (report := first_reports.get(p.substance.id)) is not None
    ]
    if not reported:
        return []
    # only alert_exists is asked here; the prefetch covers the substances' advisories
    history = DatabaseSignalHistory(session, batch=reported, thresholds=thresholds, new_reports=False)
    raised: list[Alert] = []
    for placement in placed:
        report = first_reports.get(placement.substance.id)
        if report is None:
            continue
        known = classify_substance(session, placement.substance)
        facts = _facts(
            report.model_dump(),
            placement.substance,
            Classification(
                legal_status=known.legal_status,
                nearest_controlled=placement.nearest_controlled,
                family_id=placement.family_id,
                family_size=placement.family_size,
            ),
        )
        for alert in evaluate_placement(facts, history=history, thresholds=thresholds):
            history.raised.add(alert.dedup_key)
            raised.append(alert)
    raised += _family_updates(session, placed, history=history)
    if not raised:
        return []
    return _store_and_queue(session, raised, settings=settings)


def _family_updates(session: Session, placed: Sequence[Placement], *, history: DatabaseSignalHistory) -> list[Alert]:
    """Updates of first-detection alerts, naming the family each substance was placed in. Only
    for a family of relatives (two members or more): "a family of one" tells nobody anything."""
    wanted = {f"{AlertType.first_detection.value}:{p.substance.inchikey}": p for p in placed if p.family_size >= 2}
    if not wanted:
        return []
    now = dt.datetime.now(dt.UTC)
    updates = []
    for row in session.exec(select(AlertRow).where(col(AlertRow.dedup_key).in_(sorted(wanted)))).all():
        original = row.to_alert()
        placement = wanted[row.dedup_key]
        if original.family_id is not None or history.alert_exists(
            family_placement_dedup_key(placement.substance.inchikey)
        ):
            continue
        update = family_update(original, family_id=placement.family_id, family_size=placement.family_size, at=now)
        history.raised.add(update.dedup_key)
        updates.append(update)
    return updates
