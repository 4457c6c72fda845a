"""Organisations and their keys: the operations the admin API and the CLI share."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.service import record
from service.auth import service as keys
from service.auth.models import ApiKey, ApiKeyCreated, ApiKeyRead, Principal, Role
from service.db import begin_write, stored_id
from service.organisations.models import Organisation, OrganisationCreate
from service.problems import Problem


def get(session: Session, *, ref: int | str) -> Organisation | None:
    """By id, or by exact name."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return session.get(Organisation, int(ref))
    return session.exec(select(Organisation).where(Organisation.name == ref)).first()


def get_all(session: Session) -> Sequence[Organisation]:
    return session.exec(select(Organisation).order_by(col(Organisation.id))).all()


def create(session: Session, *, data: OrganisationCreate, principal: Principal | None) -> Organisation:
    begin_write(session)
    org = Organisation(name=data.name, kind=data.kind.value, country=data.country)
    session.add(org)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Problem(409, "conflict", f"an organisation named {data.name!r} already exists") from None
    record(
        session,
        principal=principal,
        action="organisation.create",
        entity="organisation",
        entity_id=str(org.id),
        detail={"name": org.name, "kind": org.kind, "country": org.country},
    )
    session.commit()
    return org


def issue_key(
    session: Session, *, organisation: Organisation, role: Role, label: str | None, principal: Principal | None
) -> ApiKeyCreated:
    begin_write(session)
    row, plaintext = keys.create_key(session, organisation_id=stored_id(organisation), role=role, label=label)
    session.flush()
    record(
        session,
        principal=principal,
        action="key.create",
        entity="api_key",
        entity_id=row.id,
        detail={"organisation_id": organisation.id, "role": role.value},
    )
    session.commit()
    return ApiKeyCreated(**ApiKeyRead.model_validate(row).model_dump(), key=plaintext)


def revoke(session: Session, *, key_id: str, principal: Principal | None) -> ApiKey | None:
    begin_write(session)
    row = keys.revoke_key(session, key_id=key_id)
    if row is not None:
        record(session, principal=principal, action="key.revoke", entity="api_key", entity_id=key_id)
    session.commit()
    return row


def keys_of(session: Session, *, organisation_id: int) -> Sequence[ApiKey]:
    return session.exec(
        select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(col(ApiKey.created_at))
    ).all()
