"""Where batch scoring runs: in this process (``local``) or on a Ray cluster (``ray``).

The driver (``runner``) reads, hashes and chunks the documents and owns the results
store; an engine only turns chunks of texts into results, yielding each chunk as soon as
it is done so the driver can store it at once (a killed run resumes the same way with
either engine). Both engines score a chunk with the same function on a Matcher built
from the same explicit arguments (``matcher.spec.MatcherSpec``), and the driver forms the same chunks
for both, so their results are identical. Ray is imported only inside ``RayEngine``: the
default engine needs no Ray.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from evidence_matcher.errors import EvidenceError
from evidence_matcher.rubrics.model import Rubric

if TYPE_CHECKING:
    from evidence_matcher.matcher.engine import Matcher
    from evidence_matcher.matcher.result import MatchResult
    from evidence_matcher.matcher.spec import MatcherSpec

ENGINES = ("local", "ray")
CHUNK = 8  # documents whose sentences are embedded together
Scored = tuple["MatchResult | None", "str | None"]  # a result, or the reason there is none


class WorkerFailure(str):
    """A reason that is about the engine, not the document: not stored, so a rerun tries again."""


@dataclass(frozen=True)
class Chunk:
    """Documents whose sentences are embedded together, against one rubric."""

    index: int
    rubric: Rubric
    texts: tuple[str, ...]


def score_chunk(matcher: Matcher, texts: Iterable[str], rubric: Rubric | str, use_judge: bool = True) -> list[Scored]:
    """Score texts together (their sentences embedded in one pass); if one is unusable, score
    them one by one so only it fails. Every batch path (``evidence score``, Ray actors, the
    HTTP API's batch jobs) scores its chunks of ``CHUNK`` documents here."""
    texts = list(texts)
    try:
        return [(result, None) for result in matcher.match_many(texts, rubric, use_judge)]
    except EvidenceError:
        pass
    out: list[Scored] = []
    for text in texts:
        try:
            out.append((matcher.match(text, rubric, use_judge), None))
        except EvidenceError as exc:
            out.append((None, str(exc)))
    return out


def make_engine(name: str, matcher: Matcher, ray_address: str | None = None, workers: int | None = None) -> Engine:
    """The engine called ``name``; Ray's actors load the matcher from the spec it was built from."""
    if name not in ENGINES:
        raise EvidenceError(f"--engine must be {' or '.join(ENGINES)}, not {name!r}")
    if name == "local":
        if ray_address or workers:
            raise EvidenceError("--ray-address and --workers need --engine ray")
        return LocalEngine(matcher)
    if matcher.spec is None:
        raise EvidenceError("--engine ray needs a matcher built from a MatcherSpec (its actors build the same one)")
    return RayEngine(matcher.spec, address=ray_address, workers=workers)


class Engine(Protocol):
    name: str

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, list[Scored]]]:
        """Each chunk with its results, as soon as it is done (in any order)."""
        ...

    def close(self) -> None: ...


class LocalEngine:
    """This process, one chunk at a time (onnxruntime already uses every core)."""

    name = "local"

    def __init__(self, matcher: Matcher):
        self.matcher = matcher

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, list[Scored]]]:
        for chunk in chunks:
            yield chunk, score_chunk(self.matcher, chunk.texts, chunk.rubric)

    def close(self) -> None:
        pass


class RayEngine:
    """Ray actors, each holding a Matcher loaded from the same spec; chunks go to whichever is free.

    ``address=None`` starts a local Ray instance (or uses the one this process already
    started); otherwise it joins that cluster. Each node needs evidence-matcher installed
    and finds the adapted models in ``spec.cache_dir`` (a node without them adapts once
    per rubric). Each actor runs its model on ``cpus_per_worker`` threads.
    """

    name = "ray"

    def __init__(
        self,
        spec: MatcherSpec,
        address: str | None = None,
        workers: int | None = None,
        cpus_per_worker: int = 1,
        in_flight_per_worker: int = 2,
    ):
        try:
            import ray
        except ImportError as exc:
            raise EvidenceError(
                "--engine ray needs Ray: pip install 'evidence-matcher[ray]' (or pip install ray)"
            ) from exc
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    ray.init(include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise EvidenceError(
                    f"cannot start or reach Ray{f' at {address}' if address else ''}: {str(exc).splitlines()[0]}"
                ) from exc
            self.started = True
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_worker))
        actor_spec = replace(spec, threads=cpus_per_worker)
        worker_class = ray.remote(num_cpus=cpus_per_worker)(_ScoringWorker)
        self.actors: list[Any] = [worker_class.remote(actor_spec) for _ in range(workers)]  # Ray actor handles
        self.workers = workers
        self.in_flight_per_worker = in_flight_per_worker
        self._rubric_refs: dict[str, object] = {}

    def _rubric_ref(self, rubric: Rubric):
        key = f"{rubric.id}:{rubric.fingerprint()}"
        if key not in self._rubric_refs:
            self._rubric_refs[key] = self.ray.put(rubric)  # shipped once, not with every chunk
        return self._rubric_refs[key]

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, list[Scored]]]:
        ray = self.ray
        pending: dict[object, tuple[Chunk, object]] = {}  # result ref -> (chunk, the actor scoring it)
        source = iter(chunks)

        def submit(actor) -> None:
            chunk = next(source, None)
            if chunk is not None:
                pending[actor.score.remote(list(chunk.texts), self._rubric_ref(chunk.rubric))] = (chunk, actor)

        for _ in range(self.in_flight_per_worker):  # a queue of a few chunks each: no actor waits for the driver
            for actor in self.actors:
                submit(actor)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            chunk, actor = pending.pop(done[0])
            submit(actor)  # the actor that finished gets the next chunk
            try:
                results = ray.get(done[0])
            except ray.exceptions.RayError as exc:
                lines = str(exc).strip().splitlines()
                reason = WorkerFailure(f"the Ray worker failed: {(lines[-1] if lines else type(exc).__name__)[:300]}")
                results = [(None, reason)] * len(chunk.texts)
            yield chunk, results

    def wait_ready(self) -> None:
        """Block until every actor process is up with its Matcher (its model loads with its first chunk)."""
        self.ray.get([actor.ready.remote() for actor in self.actors])

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
        if self.started:
            self.ray.shutdown()


class _ScoringWorker:
    """A Ray actor: loads its Matcher once, then scores chunks."""

    def __init__(self, spec: MatcherSpec):
        self.matcher = spec.load()

    def ready(self) -> bool:
        return True

    def score(self, texts: list[str], rubric: Rubric) -> list[Scored]:
        return score_chunk(self.matcher, texts, rubric)
