"""Micro-batching: concurrent requests are embedded together.

The model is the bottleneck and encodes a batch of 32 sentences far faster than 32
batches of one. Requests wait on a queue; one worker takes everything that is waiting
(up to ``max_batch`` texts), runs it through the matcher in a thread off the event loop,
and resolves each request's future. While it runs, new requests pile up for the next
batch, so under load batches grow by themselves and when idle a lone request waits at
most ``max_wait`` seconds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.result import MatchResult


@dataclass
class _Job:
    text: str
    rubric: str
    use_judge: bool
    future: asyncio.Future = field(repr=False)


class MicroBatcher:
    def __init__(
        self, matcher: Matcher, max_batch: int, max_wait: float = 0.005
    ):  # max_batch: Settings.max_batch_texts
        self.matcher = matcher
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def match(self, text: str, rubric: str, use_judge: bool) -> MatchResult:
        self.start()
        job = _Job(text, rubric, use_judge, asyncio.get_running_loop().create_future())
        await self._queue.put(job)
        return await job.future

    async def _take(self) -> list[_Job]:
        jobs = [await self._queue.get()]
        try:
            while len(jobs) < self.max_batch:
                jobs.append(await asyncio.wait_for(self._queue.get(), timeout=self.max_wait))
        except TimeoutError:
            pass
        while len(jobs) < self.max_batch and not self._queue.empty():
            jobs.append(self._queue.get_nowait())
        return jobs

    async def _run(self) -> None:
        while True:
            jobs = await self._take()
            groups: dict[tuple[str, bool], list[_Job]] = {}
            for job in jobs:
                groups.setdefault((job.rubric, job.use_judge), []).append(job)
            for (rubric, use_judge), group in groups.items():
                try:
                    results = await run_in_threadpool(
                        self.matcher.match_many, [j.text for j in group], rubric, use_judge
                    )
                except Exception as exc:  # handed to each waiting request, which turns it into a 4xx/5xx
                    for job in group:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    continue
                for job, result in zip(group, results, strict=True):
                    if not job.future.done():
                        job.future.set_result(result)
