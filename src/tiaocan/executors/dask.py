"""Workers on a Dask cluster: many machines, one shared storage (PostgreSQL for teams).

Each Dask task runs the same worker loop as a local process (ask → run → tell against the
storage), so a worker that dies loses nothing: the executor watches the cluster's workers,
and when one leaves it fails the trial that worker was running and queues its configuration
again (Dask reruns the task elsewhere). The study travels by reference (storage URL and
name), never as a copy of its trials.

>>> # from dask.distributed import Client
>>> # study.optimize(objective, n_trials=200, n_workers=16,
>>> #                executor=tc.executors.DaskExecutor(Client("tcp://scheduler:8786")))
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from tiaocan.errors import require
from tiaocan.executors.base import RealClock, set_worker_tag

__all__ = ["DaskExecutor"]


class _DaskTickets:
    """A cluster-wide count of trials still to start: a Dask Variable guarded by a Dask Lock."""

    def __init__(self, client: Any, limit: int | None) -> None:
        self.name = f"tiaocan-tickets-{uuid.uuid4().hex}"
        self.unlimited = limit is None
        self.address = client.scheduler.address
        if not self.unlimited:
            from distributed import Variable

            Variable(self.name, client=client).set(int(limit or 0))

    def _update(self, delta: int) -> bool:
        from distributed import Lock, Variable, get_client

        client = get_client(self.address)
        with Lock(self.name):
            var = Variable(self.name, client=client)
            left = int(var.get())
            if left + delta < 0:
                return False
            var.set(left + delta)
            return True

    def take(self) -> bool:
        return True if self.unlimited else self._update(-1)

    def give_back(self) -> None:
        if not self.unlimited:
            self._update(+1)


class _WallClock(RealClock):
    """Unix time: deadlines stay meaningful on every machine of the cluster."""

    def now(self) -> float:
        return time.time()


class DaskExecutor:
    """Run workers as tasks of a Dask ``distributed`` cluster.

    Args:
        client: a ``distributed.Client``; when None, a local cluster of ``local_workers``
            processes (default: the CPU count) is started for the run and closed after it.
    """

    separate_processes = True
    needs_heartbeat = True
    #: set by ``optimize``: fails the trials of a worker that left (see executors.base)
    on_worker_lost: Callable[[str, str], list[int]] | None = None
    #: seconds between two looks at the cluster's workers
    watch_interval = 0.5

    def __init__(self, client: Any = None, local_workers: int | None = None) -> None:
        require("distributed", "dask", "the Dask executor")
        self.client = client
        self.local_workers = local_workers
        self.clock: RealClock = _WallClock()
        self._own_cluster: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # Workers need the clock and the flags, never the client.
        return {"client": None, "local_workers": None, "clock": self.clock, "_own_cluster": None,
                "on_worker_lost": None}

    def _client(self) -> Any:
        if self.client is None:
            from distributed import Client, LocalCluster

            self._own_cluster = LocalCluster(
                n_workers=self.local_workers or os.cpu_count() or 1, threads_per_worker=1,
                processes=True, dashboard_address=None)
            self.client = Client(self._own_cluster)
        return self.client

    def tickets(self, limit: int | None) -> _DaskTickets:
        return _DaskTickets(self._client(), limit)

    def run(self, worker: Callable[[int], None], n_workers: int) -> None:
        client = self._client()
        try:
            futures = [client.submit(_task, worker, i, pure=False,
                                     key=f"tiaocan-worker-{uuid.uuid4().hex}")
                       for i in range(n_workers)]
            self._watch(client, futures)
            client.gather(futures)
        finally:
            if self._own_cluster is not None:
                client.close()
                self._own_cluster.close()
                self.client = self._own_cluster = None

    def _watch(self, client: Any, futures: list[Any]) -> None:
        """Until the tasks end, fail the trials of every worker that leaves the cluster (a
        killed worker costs the time to notice it, not the heartbeat grace)."""
        known = set(client.scheduler_info()["workers"])
        while not all(f.done() for f in futures):
            time.sleep(self.watch_interval)
            current = set(client.scheduler_info()["workers"])
            lost = self.on_worker_lost
            for address in sorted(known - current):
                if lost is not None:
                    lost(address, f"Dask worker {address} left the cluster")
            known = current


def _task(worker: Callable[[int], None], index: int) -> None:
    """A worker loop on a Dask worker, tagged with the worker's address (what the client sees
    leave the cluster)."""
    from distributed import get_worker

    set_worker_tag(get_worker().address)
    try:
        worker(index)
    finally:
        set_worker_tag(None)
