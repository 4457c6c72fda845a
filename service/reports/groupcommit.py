"""Group commit for single report POSTs.

A database takes one write transaction at a time (SQLite) or pays for each commit (PostgreSQL's
WAL flush), so a report's own cost is small next to its transaction's and the hops around it.
Single POSTs therefore do not each open a transaction: the route hands its prepared report to
the committer and awaits the answer on the event loop, and one thread at a time stores what is
waiting:

- when nothing is being written, a report starts a writer at once: there is no timer, and an
  idle service adds no latency;
- reports that arrive while a group is being written wait, and the writer stores all of them
  (up to ``max_group``) in its next transaction;
- each request gets its answer only after its report is committed, and each report is stored
  exactly as if one transaction per report had run in arrival order (see store_groups).

If a group fails for a reason that is not one report's own problem, its reports are stored again
one by one, so that an error reaches only the request that caused it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from service.auth.models import Principal
from service.problems import Problem
from service.reports.service import Outcome, PreparedReport, store, store_groups


@dataclass(slots=True, eq=False)
class _Ticket:
    principal: Principal
    item: PreparedReport
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    outcome: Outcome | Problem | None = None
    error: BaseException | None = None


class GroupCommitter:
    """One per application. ``submit`` is awaited on the event loop; writing runs in a thread."""

    def __init__(self, engine: Engine, *, max_group: int = 128) -> None:
        self.engine = engine
        self.max_group = max_group
        self._lock = threading.Lock()
        self._waiting: deque[_Ticket] = deque()
        self._writing = False
        self.groups = 0  # transactions run, for tests and metrics
        self.stored = 0  # reports answered

    async def submit(self, item: PreparedReport, *, principal: Principal) -> Outcome | Problem:
        loop = asyncio.get_running_loop()
        ticket = _Ticket(principal=principal, item=item, future=loop.create_future(), loop=loop)
        with self._lock:
            self._waiting.append(ticket)
            start, self._writing = not self._writing, True
        if start:
            loop.run_in_executor(None, self._write)
        # shielded: a caller that goes away does not take its report out of a group being written
        return await asyncio.shield(ticket.future)

    def _write(self) -> None:
        """Store groups until nobody is waiting (runs in the default executor's thread)."""
        while True:
            with self._lock:
                if not self._waiting:
                    self._writing = False
                    return
                group = [self._waiting.popleft() for _ in range(min(self.max_group, len(self._waiting)))]
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    self._store(session, group)
            except BaseException as error:  # noqa: BLE001 - every waiting request must be answered
                for ticket in group:
                    if ticket.outcome is None and ticket.error is None:
                        ticket.error = error
            finally:
                self.groups += 1
                self.stored += len(group)
                _answer(group)

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


def _answer(group: list[_Ticket]) -> None:
    """Resolve the group's futures on their loops, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Ticket]] = {}
    for ticket in group:
        by_loop.setdefault(ticket.loop, []).append(ticket)
    for loop, tickets in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, tickets)
        except RuntimeError:  # that loop has closed: nobody is waiting there any more
            pass


def _resolve(tickets: list[_Ticket]) -> None:
    for ticket in tickets:
        if ticket.future.done():
            continue
        if ticket.error is not None or ticket.outcome is None:
            ticket.future.set_exception(ticket.error or RuntimeError("the report was not stored"))
        else:
            ticket.future.set_result(ticket.outcome)
