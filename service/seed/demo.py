"""Demo data for `make run`: organisations, API keys, the reference registry and a few reports.

Idempotent: running it again changes nothing, except that keys are re-issued when the local
keys file is gone (their plaintext exists nowhere else).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chemistry.identity import StructureError, identify
from service.auth.models import ApiKey, Principal, Role
from service.db import begin_write, stored_id
from service.organisations import service as organisations
from service.organisations.models import OrganisationCreate, OrganisationKind
from service.reports import service as reports
from service.reports.models import ReportCreate
from service.substances import service as registry

REFERENCE_CSV = Path(__file__).with_name("psychoactives.csv")
DEMO_LABEL = "demo"


@dataclass(frozen=True)
class DemoOrg:
    name: str
    kind: OrganisationKind
    country: str
    roles: tuple[Role, ...]


DEMO_ORGS = (
    DemoOrg("Demo Forensic Lab Copenhagen", OrganisationKind.forensic_lab, "DK", (Role.reporter,)),
    DemoOrg("Demo Toxicology Lab Munich", OrganisationKind.toxicology_lab, "DE", (Role.reporter,)),
    DemoOrg("Demo National Focal Point", OrganisationKind.national_focal_point, "DK", (Role.reporter, Role.admin)),
    DemoOrg("Demo Health Authority", OrganisationKind.authority, "SE", (Role.authority,)),
    DemoOrg("Demo Medicines Regulator", OrganisationKind.regulator, "DK", (Role.regulator,)),
)

# (organisation, structure as a lab would send it, name, sample type, country, days ago)
DEMO_REPORTS = (
    ("Demo Forensic Lab Copenhagen", "CNC(C)C(=O)c1ccc(C)cc1.Cl", "mephedrone hydrochloride", "seizure", "DK", 30),
    ("Demo Forensic Lab Copenhagen", "CCCC(C(=O)c1ccc(C)cc1)N1CCCC1", "pyrovalerone", "test_purchase", "DK", 21),
    ("Demo Toxicology Lab Munich", "CNC(C)C(=O)c1ccc(C)cc1", "4-MMC", "biological_nonfatal", "DE", 14),
    (
        "Demo Toxicology Lab Munich",
        "CCCCCN1C=C(C(=O)C2=CC=CC3=CC=CC=C32)C2=CC=CC=C21",
        "JWH-018",
        "biological_fatal",
        "DE",
        9,
    ),
    (
        "Demo National Focal Point",
        "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        "etonitazene",
        "seizure",
        "DK",
        3,
    ),
)


def seed_reference_registry(session: Session) -> int:
    """Register the named reference substances; returns how many were new."""
    identities, names = [], []
    with REFERENCE_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                identity = identify(row["smiles"])
            except StructureError:
                continue  # a row the registry refuses (a salt, a lone atom): no substance to seed
            identities.append(identity)
            names.append((identity.inchikey, row["name"]))
    begin_write(session)
    substances, created = registry.register(session, identities)
    registry.add_names(session, ((stored_id(substances[key]), name) for key, name in names), source="reference")
    session.commit()
    return len(created)


def seed_demo(engine: Engine, *, keys_file: Path) -> dict[str, str]:
    """Seed everything; returns the demo keys as {"<role> (<organisation>)": key}."""
    with Session(engine, expire_on_commit=False) as session:
        seed_reference_registry(session)
        orgs = {}
        for demo in DEMO_ORGS:
            org = organisations.get(session, ref=demo.name) or organisations.create(
                session, data=OrganisationCreate(name=demo.name, kind=demo.kind, country=demo.country), principal=None
            )
            orgs[demo.name] = org
        keys = _read_keys(keys_file)
        if not keys:
            for old in session.exec(select(ApiKey).where(ApiKey.label == DEMO_LABEL, col(ApiKey.revoked_at).is_(None))):
                organisations.revoke(session, key_id=old.id, principal=None)
            for demo in DEMO_ORGS:
                for role in demo.roles:
                    created = organisations.issue_key(
                        session, organisation=orgs[demo.name], role=role, label=DEMO_LABEL, principal=None
                    )
                    keys[f"{role.value} ({demo.name})"] = created.key
            _write_keys(keys_file, keys)
        _seed_reports(session, orgs)
    return keys


def _seed_reports(session: Session, orgs: dict) -> None:  # noqa: ANN001
    today = dt.datetime.now(dt.UTC).date()
    for org_name, structure, name, sample_type, country, days_ago in DEMO_REPORTS:
        org = orgs[org_name]
        principal = Principal(
            key_id="seed",
            role=Role.reporter,
            organisation_id=org.id,
            organisation_name=org.name,
            organisation_country=org.country,
        )
        data = ReportCreate(
            structure=structure,
            substance_name=name,
            sample_type=sample_type,
            country=country,
            sampled_on=today - dt.timedelta(days=days_ago),
            techniques=["GC-MS", "LC-HRMS"],
            confidence="confirmed",
            context="demo report seeded by `varsel seed-demo`",
        )
        # a fixed idempotency key per demo report makes re-seeding a no-op
        prepared = reports.prepare(data, principal=principal, idempotency_key=f"demo-{days_ago}-{country}")
        reports.store(session, [prepared], principal=principal)


def _read_keys(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    keys = {}
    for line in path.read_text().splitlines():
        label, sep, key = line.rpartition(": ")
        if sep:
            keys[label] = key
    return keys


def _write_keys(path: Path, keys: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # demo secrets on the operator's own disk, readable by the operator only
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{label}: {key}\n" for label, key in keys.items())
