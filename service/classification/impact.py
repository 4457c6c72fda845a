"""What a draft rule would capture, computed in a child process with a hard time limit.

RDKit's substructure search cannot be interrupted, and a SMARTS that passes every syntactic
bound (size, recursion) can still cost minutes against one unlucky molecule: a path of 40 `*`
atoms between two nitrogens, searched in a saturated 96-atom ring network, explores every
self-avoiding walk. So a regulator's draft is only ever matched in a separate process, which is
killed when the limit passes; the API answers with a problem and the service never stalls.

The child comes from a fork server that has already imported RDKit and the engine, so starting
one costs a fork (~10 ms), not an interpreter. This module imports nothing from the service: the
fork server preloads it.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from rdkit import Chem, rdBase

from chemistry.classify import Classifier
from chemistry.identity import StructureError, identify
from chemistry.rulebook import Rule, Rulebook

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload([__name__])

# Starting the fork server the first time imports RDKit in a fresh interpreter; that is not
# the draft's cost, so it has its own, generous limit.
STARTUP_SECONDS = 60.0


class ImpactTimeout(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"evaluation exceeded {seconds:g} s")
        self.seconds = seconds


class ImpactFailed(Exception):
    pass


@dataclass(frozen=True)
class ImpactInput:
    rule: dict[str, Any]  # the draft, in the rule-file format
    on: date  # classify as of this date (the draft's in_force_from)
    substances: list[tuple[str, str]]  # registry: (InChIKey, parent SMILES)
    examples: list[tuple[str, str, str, str]]  # shipped: (rule id, must_match|must_not_match, name, SMILES)


@dataclass
class ImpactOutput:
    captured: list[tuple[str, str]] = field(default_factory=list)  # (InChIKey, matched_on)
    examples_captured: list[int] = field(default_factory=list)  # indices into ImpactInput.examples
    own_examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def evaluate(data: ImpactInput) -> ImpactOutput:
    """The impact itself; pure, and unbounded in time: call it through run_bounded()."""
    started = time.perf_counter()
    rule = Rule.model_validate(data.rule)
    classifier = Classifier(Rulebook(rules=(rule,)))
    out = ImpactOutput()

    if rule.kind == "named":
        keys = {identify(s.smiles).inchikey for s in rule.substances if s.smiles is not None}
        connectivity = {k.split("-", 1)[0] for k in keys}
        for inchikey, _ in data.substances:
            if inchikey in keys:
                out.captured.append((inchikey, "inchikey"))
            elif rule.stereoisomers_included and inchikey.split("-", 1)[0] in connectivity:
                out.captured.append((inchikey, "connectivity"))
    else:
        for inchikey, smiles in data.substances:
            with rdBase.BlockLogs():
                mol = Chem.MolFromSmiles(smiles)
            # the prescreen and core search first: most of the registry fails here, cheaply
            if mol is None or not classifier.matching_patterns(mol):
                continue
            result = classifier.classify(mol, jurisdictions=[rule.jurisdiction], as_of=data.on)
            if result.results[rule.jurisdiction].matches:
                out.captured.append((inchikey, "structure"))

    def verdict(smiles: str):  # noqa: ANN202
        try:
            return classifier.classify(smiles, jurisdictions=[rule.jurisdiction], as_of=data.on).results[
                rule.jurisdiction
            ]
        except StructureError:
            return None

    for index, (_, _, _, smiles) in enumerate(data.examples):
        result = verdict(smiles)
        if result is not None and result.matches:
            out.examples_captured.append(index)
    for expectation, examples in (("must_match", rule.must_match), ("must_not_match", rule.must_not_match)):
        for example in examples:
            result = verdict(example.smiles)
            captured = bool(result and result.matches)
            # the draft's own near miss (it is the only rule here), never left out even when its
            # matched core is incidental: it is the one explanation of why the example fails
            miss = result.near_misses[0] if result and result.near_misses else None
            out.own_examples.append(
                {
                    "expectation": expectation,
                    "name": example.name,
                    "smiles": example.smiles,
                    "captured": captured,
                    "as_expected": captured == (expectation == "must_match"),
                    "near_miss": miss.summary if miss else None,
                    "near_miss_detail": {
                        "rule_id": miss.rule_id,
                        "summary": miss.summary,
                        "failures": miss.failures,
                        "incidental": miss.incidental,
                        "reason": miss.reason,
                    }
                    if miss
                    else None,
                }
            )
    out.seconds = round(time.perf_counter() - started, 3)
    return out


def _child(connection: Connection, data: ImpactInput) -> None:
    connection.send(("started", None))
    try:
        connection.send(("done", evaluate(data)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def run_bounded(data: ImpactInput, *, timeout: float) -> ImpactOutput:
    """evaluate(data) in a child process, killed after ``timeout`` seconds (ImpactTimeout)."""
    receive, send = _context.Pipe(duplex=False)
    process = _context.Process(target=_child, args=(send, data), daemon=True, name="varsel-draft-impact")
    process.start()
    send.close()
    try:
        if not receive.poll(STARTUP_SECONDS):
            raise ImpactFailed("the evaluation process did not start")
        receive.recv()  # "started": the limit counts from here
        if not receive.poll(timeout):
            raise ImpactTimeout(timeout)
        kind, payload = receive.recv()
    except EOFError:
        raise ImpactFailed("the evaluation process ended without an answer") from None
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if kind == "error":
        raise ImpactFailed(payload)
    return payload
