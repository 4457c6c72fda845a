"""Routes: /v1/organisations and /v1/keys (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.auth.deps import Admin, AuditReader
from service.auth.models import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from service.db import SessionDep
from service.openapi import problem_responses
from service.organisations import service
from service.organisations.models import OrganisationCreate, OrganisationRead
from service.problems import Problem
from service.validation import PathId

router = APIRouter(prefix="/v1", tags=["organisations and keys"])


@router.post("/organisations", status_code=201, response_model=OrganisationRead, responses=problem_responses(409))
def create_organisation(data: OrganisationCreate, principal: Admin, session: SessionDep) -> OrganisationRead:
    """Register a laboratory, focal point, authority or regulator (admins). Names are unique: a name
    already taken is a 409."""
    return OrganisationRead.model_validate(service.create(session, data=data, principal=principal))


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(principal: AuditReader, session: SessionDep) -> list[OrganisationRead]:
    """Every organisation with its kind and country (admins and regulators)."""
    return [OrganisationRead.model_validate(o) for o in service.get_all(session)]


def _organisation(session: SessionDep, organisation_id: int):  # noqa: ANN202
    org = service.get(session, ref=organisation_id)
    if org is None:
        raise Problem(404, "not-found", f"no organisation {organisation_id}")
    return org


@router.post("/organisations/{organisation_id}/keys", status_code=201, response_model=ApiKeyCreated)
def create_key(organisation_id: PathId, data: ApiKeyCreate, principal: Admin, session: SessionDep) -> ApiKeyCreated:
    """Issue a key. The plaintext key is in this answer only; store it now."""
    org = _organisation(session, organisation_id)
    return service.issue_key(session, organisation=org, role=data.role, label=data.label, principal=principal)


@router.get("/organisations/{organisation_id}/keys", response_model=list[ApiKeyRead])
def list_keys(organisation_id: PathId, principal: Admin, session: SessionDep) -> list[ApiKeyRead]:
    """The organisation's API keys: id, role, label, when issued and revoked. Never a key itself: it is
    shown once, when issued."""
    _organisation(session, organisation_id)
    return [ApiKeyRead.model_validate(k) for k in service.keys_of(session, organisation_id=organisation_id)]


@router.post("/keys/{key_id}:revoke", response_model=ApiKeyRead)
def revoke_key(key_id: str, principal: Admin, session: SessionDep, request: Request) -> ApiKeyRead:
    """Revoke an API key: this process refuses it at once, other replicas within
    VARSEL_AUTH_CACHE_SECONDS. Revoking a revoked key changes nothing."""
    row = service.revoke(session, key_id=key_id, principal=principal)
    request.app.state.principals.forget(key_id)
    if row is None:
        raise Problem(404, "not-found", f"no API key {key_id!r}")
    return ApiKeyRead.model_validate(row)
