"""Group commit for single report POSTs.

A database takes one write transaction at a time (SQLite) or pays for each commit (PostgreSQL's
WAL flush), so a report's own cost is small next to its transaction's. Requests that arrive
while a write transaction is running therefore wait, and are stored together in the next one:

- the first request finds no transaction running and leads: it stores every report waiting
  at that moment (its own among them), commits, and hands each request its own answer;
- requests that arrive meanwhile queue; when the leader is done, the oldest of them leads the
  next group, so no request waits for more than the group before its own;
- a request that arrives when nothing is running is stored at once: there is no timer, and an
  idle service adds no latency.

Each request still gets its answer only after its report is committed, and each report is
stored exactly as if the transactions had run one after the other (see store_groups). If a
group fails for a reason that is not one report's own problem, its reports are stored again
one by one, so that an error reaches only the request that caused it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlmodel import Session

from service.auth.models import Principal
from service.problems import Problem
from service.reports.service import Outcome, PreparedReport, store, store_groups


@dataclass(slots=True, eq=False)
class _Ticket:
    principal: Principal
    item: PreparedReport
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    outcome: Outcome | Problem | None = None
    error: BaseException | None = None


class GroupCommitter:
    """One per engine; thread-safe. ``submit`` blocks until the report is committed."""

    def __init__(self, *, max_group: int = 128) -> None:
        self.max_group = max_group
        self._lock = threading.Lock()
        self._waiting: list[_Ticket] = []
        self._busy = False
        self.groups = 0  # transactions run, for tests and metrics
        self.stored = 0  # reports answered

    def submit(self, session: Session, item: PreparedReport, *, principal: Principal) -> Outcome | Problem:
        ticket = _Ticket(principal=principal, item=item)
        with self._lock:
            self._waiting.append(ticket)
            if not self._busy:
                self._busy = ticket.lead = True
        if not ticket.lead:
            ticket.wake.wait()
        if ticket.lead:
            self._lead(session)
        if ticket.error is not None:
            raise ticket.error
        assert ticket.outcome is not None
        return ticket.outcome

    def _lead(self, session: Session) -> None:
        with self._lock:
            group, self._waiting = self._waiting[: self.max_group], self._waiting[self.max_group:]
        try:
            self._store(session, group)
        finally:
            with self._lock:
                self.groups += 1
                self.stored += len(group)
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._busy = False
            for ticket in group:
                if ticket.outcome is None and ticket.error is None:  # interrupted before it was stored
                    ticket.error = RuntimeError("the write transaction was interrupted; the report was not stored")
                if not ticket.lead:
                    ticket.wake.set()

    @staticmethod
    def _store(session: Session, group: list[_Ticket]) -> None:
        runs: list[tuple[Principal, list[_Ticket]]] = []
        for ticket in group:  # consecutive reports of one key share a run, in arrival order
            if runs and runs[-1][0].key_id == ticket.principal.key_id:
                runs[-1][1].append(ticket)
            else:
                runs.append((ticket.principal, [ticket]))
        try:
            results = store_groups(session, [(principal, [t.item for t in tickets]) for principal, tickets in runs])
        except Exception as error:
            if len(group) == 1:
                group[0].error = error
                return
            # not one report's problem, or not yet known whose: each alone, so only its own fails
            for ticket in group:
                try:
                    (ticket.outcome,) = store(session, [ticket.item], principal=ticket.principal)
                except Exception as single_error:
                    ticket.error = single_error
            return
        for (_, tickets), outcomes in zip(runs, results):
            for ticket, outcome in zip(tickets, outcomes):
                ticket.outcome = outcome
