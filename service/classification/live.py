"""The live rulebook: shipped rule files plus the drafts regulators activated, compiled once.

Every process holds one compiled :class:`~chemistry.classify.Classifier` per set of active
drafts. Which drafts are active lives in the database, so each use asks it for their
(id, content hash) list, one indexed query; when another replica activated a draft the list
differs and this process recompiles (~0.2 s) before answering. Compiled rulebooks are immutable
snapshots: a request keeps the one it started with even if another thread swaps in a newer one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from chemistry.classify import Classifier
from chemistry.rulebook import CHEMISTRY_DIR, JurisdictionInfo, Rule, Rulebook, load_jurisdictions, load_rulebook
from service.classification.models import ClassificationDraft, DraftStatus

# Distinct draft sets kept compiled: a process normally needs one; tests switch databases.
_KEEP = 4


def rule_json(rule: Rule) -> dict:
    """A rule as JSON, by its file-format names ('list', 'class'); Rule.model_validate reads it back."""
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)


def content_hash(rule: Rule) -> str:
    body = rule_json(rule)
    if rule.substances_file:  # the register's rows, not only its file name, decide the answers
        body["substances_file_sha256"] = hashlib.sha256((CHEMISTRY_DIR / rule.substances_file).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@functools.cache
def shipped_rulebook() -> Rulebook:
    """chemistry/rules/*.toml, read and validated once per process (the files do not change at runtime)."""
    return load_rulebook()


@functools.cache
def shipped_jurisdictions() -> dict[str, JurisdictionInfo]:
    """chemistry/rules/jurisdictions.toml: each jurisdiction's name and what its encoding cannot decide."""
    return load_jurisdictions()


@functools.cache
def _shipped_hashes() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((rule.id, content_hash(rule)) for rule in shipped_rulebook().rules))


@dataclass(frozen=True)
class LiveRulebook:
    classifier: Classifier
    version: str  # sha256 over every rule's content: equal versions classify identically
    key: tuple[tuple[str, str], ...]  # (draft id, content hash) of the active drafts
    sources: dict[str, str] = field(default_factory=dict)  # rule id -> file name or "draft ..."

    @property
    def rulebook(self) -> Rulebook:
        return self.classifier.rulebook


_lock = threading.Lock()
_compiled: OrderedDict[tuple, LiveRulebook] = OrderedDict()


def active_key(session: Session) -> tuple[tuple[str, str], ...]:
    rows = session.exec(
        select(ClassificationDraft.id, ClassificationDraft.content_hash)
        .where(ClassificationDraft.status == DraftStatus.active.value)
        .order_by(ClassificationDraft.id)
    ).all()
    return tuple((draft_id, digest) for draft_id, digest in rows)


def current(session: Session) -> LiveRulebook:
    """The compiled rulebook for the drafts active in this database now."""
    key = active_key(session)
    found = _compiled.get(key)
    if found is not None:
        return found
    with _lock:
        found = _compiled.get(key)
        if found is None:
            drafts = (
                session.exec(
                    select(ClassificationDraft).where(col(ClassificationDraft.id).in_([d for d, _ in key]))
                ).all()
                if key
                else []
            )
            found = compile_rulebook(key, drafts)
            _compiled[key] = found
            while len(_compiled) > _KEEP:
                _compiled.popitem(last=False)
        return found


def compile_rulebook(key: tuple, drafts: Sequence[ClassificationDraft]) -> LiveRulebook:
    shipped = shipped_rulebook()
    rules = list(shipped.rules)
    sources = dict(shipped.sources)
    for draft in sorted(drafts, key=lambda d: d.rule_id):
        rules.append(Rule.model_validate(draft.body))
        sources[draft.rule_id] = f"draft {draft.id} (version {draft.version})"
    hashes = sorted(_shipped_hashes() + tuple((d.rule_id, d.content_hash) for d in drafts))
    version = hashlib.sha256(json.dumps(hashes).encode()).hexdigest()
    # A draft's patterns passed the stress gate (costs.py) but are still searched with the
    # deadline check: the budget then bounds them on any molecule, not just the stress set.
    guarded = [draft.rule_id for draft in drafts]
    return LiveRulebook(
        Classifier(Rulebook(rules=tuple(rules), sources=sources), guarded_rules=guarded), version, key, sources
    )
