"""Group commit: concurrent single POSTs share transactions, and each still gets its own answer."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlmodel import Session

from service.auth.service import authenticate
from service.reports import groupcommit, service
from service.reports.groupcommit import GroupCommitter
from service.reports.models import ReportCreate

CATHINONES = [  # real NPS, each a distinct parent
    ("mephedrone", "CNC(C)C(=O)c1ccc(C)cc1"),
    ("methylone", "CNC(C)C(=O)c1ccc2OCOc2c1"),
    ("MDPV", "CCCC(N1CCCC1)C(=O)c1ccc2OCOc2c1"),
    ("alpha-PVP", "CCCC(N1CCCC1)C(=O)c1ccccc1"),
    ("4-MEC", "CCNC(C)C(=O)c1ccc(C)cc1"),
]


def principal_of(engine, caller):  # noqa: ANN001, ANN201
    with Session(engine) as session:
        return authenticate(session, caller.key)


def prepared(report_body, principal, key=None, **overrides):  # noqa: ANN001, ANN201
    return service.prepare(
        ReportCreate.model_validate(report_body(**overrides)), principal=principal, idempotency_key=key
    )


def test_concurrent_reports_share_transactions_and_keep_their_own_answers(engine, make_caller, report_body, row_counts):
    lab_a = principal_of(engine, make_caller("reporter", org="Lab A", country="DK"))
    lab_b = principal_of(engine, make_caller("reporter", org="Lab B", country="SE"))
    committer = GroupCommitter(engine)
    items = []
    for n in range(30):
        name, smiles = CATHINONES[n % len(CATHINONES)]
        principal = lab_a if n % 3 else lab_b
        items.append(
            (
                principal,
                prepared(
                    report_body,
                    principal,
                    structure=smiles,
                    substance_name=name,
                    country=principal.organisation_country,
                ),
            )
        )
    before = row_counts()

    async def run():  # noqa: ANN202
        return await asyncio.gather(*(committer.submit(item, principal=p) for p, item in items))

    outcomes = asyncio.run(run())
    assert all(o.status == "created" for o in outcomes)
    for (principal, item), outcome in zip(items, outcomes):
        assert outcome.report.organisation_id == principal.organisation_id
        assert outcome.report.substance.inchikey == item.identity.inchikey
    # exactly one report per substance says it was new: the first one stored
    new = [o.report.substance.inchikey for o in outcomes if o.report.substance_is_new]
    assert sorted(new) == sorted({item.identity.inchikey for _, item in items})
    assert len({o.report.id for o in outcomes}) == 30
    after = row_counts()
    assert after["report"] - before["report"] == 30
    assert after["substance"] - before["substance"] == len(CATHINONES)
    assert committer.stored == 30
    assert committer.groups < 30  # they did share transactions


def test_idempotency_keys_inside_one_group(engine, reporter, report_body, row_counts):
    principal = principal_of(engine, reporter)
    committer = GroupCommitter(engine)
    same = prepared(report_body, principal, key="k-1")
    again = prepared(report_body, principal, key="k-1")
    other = prepared(report_body, principal, key="k-1", country="SE")
    before = row_counts()

    async def run():  # noqa: ANN202
        return await asyncio.gather(*(committer.submit(i, principal=principal) for i in (same, again, other)))

    first, second, third = asyncio.run(run())
    assert first.status == "created"
    assert second.status == "replayed" and second.report.id == first.report.id
    assert third.status == 409
    assert row_counts()["report"] - before["report"] == 1


def test_a_failing_group_is_retried_one_by_one_so_only_the_culprit_fails(
    engine, reporter, report_body, row_counts, monkeypatch
):
    principal = principal_of(engine, reporter)
    committer = GroupCommitter(engine)
    real_store_groups = groupcommit.store_groups
    poisoned = prepared(report_body, principal, substance_name="poison")

    # The one stand-in here: a fault that real input cannot provoke on demand. Any group holding
    # the poisoned report fails as a whole, after writing; the real store() then runs per report.
    def failing_store_groups(session, groups):  # noqa: ANN001, ANN202
        if not any(item is poisoned for _, items in groups for item in items):
            return real_store_groups(session, groups)
        session.rollback()
        raise RuntimeError("connection lost")

    def failing_store(session, items, *, principal):  # noqa: ANN001, ANN202
        if any(item is poisoned for item in items):
            raise RuntimeError("connection lost")
        return service.store(session, items, principal=principal)

    monkeypatch.setattr(groupcommit, "store_groups", failing_store_groups)
    monkeypatch.setattr(groupcommit, "store", failing_store)
    good = [prepared(report_body, principal, structure=s, substance_name=n) for n, s in CATHINONES[:3]]
    before = row_counts()

    async def run():  # noqa: ANN202
        committer._writing = True  # as if a group were being written: these four wait and go together
        tasks = [asyncio.ensure_future(committer.submit(i, principal=principal)) for i in [*good, poisoned]]
        await asyncio.sleep(0)
        asyncio.get_running_loop().run_in_executor(None, committer._write)
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(run())
    assert committer.groups == 1
    assert isinstance(results[-1], RuntimeError)
    assert all(r.status == "created" for r in results[:-1])
    assert row_counts()["report"] - before["report"] == 3


@pytest.mark.parametrize("concurrency", [8])
def test_concurrent_posts_through_the_api(app, reporter, report_body, concurrency):  # noqa: ANN001
    async def run():  # noqa: ANN202
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://varsel") as client:
            bodies = [report_body(structure=s, substance_name=n) for n, s in CATHINONES] * 4
            return await asyncio.gather(*(client.post("/v1/reports", json=b, headers=reporter.headers) for b in bodies))

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [201] * 20
    assert sum(r.json()["substance_is_new"] for r in responses) == len(CATHINONES)
    assert app.state.group_commit.stored == 20
