"""Writers at once, each on its own database connection, for the PostgreSQL tests of row
locks (SQLite serialises every write, so such races cannot happen there): two in a set order
(`race`), or a crowd released together by a barrier (`together`)."""

import threading
import time

from django.db import connections

from customers.models import Customer

# How long the first writer waits for the second one to finish. With the fix the second
# writer is blocked by the lock and never finishes within it; the tests' outcome does not
# depend on this time, only how fast they run.
GRACE = 1.5


class Thread(threading.Thread):
    """A thread with its own database connection that keeps its result or exception."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self._target_fn = target
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self._target_fn()
        except Exception as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            connections.close_all()

    def outcome(self):
        self.join(timeout=30)
        assert not self.is_alive(), "writer did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def race(monkeypatch, *, first, second, pause=(Customer, "full_clean")):
    """Run `first` in a thread; when it calls `pause` (a model and method: by default the
    card's validation, which `card_update` runs after reading the row and before saving
    it), hold it there and run `second` in another thread, until `second` has finished
    or `GRACE` has passed. Returns both results; raises the first exception."""
    read, done = threading.Event(), threading.Event()
    model, name = pause
    original = getattr(model, name)
    owner = {}

    def paused(instance, *args, **kwargs):
        if threading.get_ident() == owner.get("first"):
            read.set()
            done.wait(GRACE)
        return original(instance, *args, **kwargs)

    monkeypatch.setattr(model, name, paused)

    def run_first():
        owner["first"] = threading.get_ident()
        return first()

    def run_second():
        try:
            return second()
        finally:
            done.set()

    one = Thread(run_first)
    one.start()
    assert read.wait(10), "the first writer never read its row"
    two = Thread(run_second)
    two.start()
    return one.outcome(), two.outcome()


class Crowd:
    """What `together` saw: each worker's result or exception, in the workers' order, and
    the wall-clock time from the release of the barrier until the last worker finished."""

    def __init__(self, threads: list[Thread], elapsed: float):
        self.threads = threads
        self.elapsed = elapsed

    @property
    def results(self) -> list:
        return [thread.result for thread in self.threads if thread.error is None]

    @property
    def errors(self) -> list[Exception]:
        return [thread.error for thread in self.threads if thread.error is not None]

    def figure(self, what: str, *, successes: int, conflicts: int) -> str:
        """One line for the test log: how many clients, how they fared, how long it took."""
        line = (
            f"{what}: clients={len(self.threads)} successes={successes} "
            f"conflicts={conflicts} elapsed={self.elapsed:.3f}s"
        )
        print(line)
        return line


def together(targets, *, timeout: float = 60) -> Crowd:
    """Run each of `targets` (callables) in a thread of its own with its own database
    connection, opened beforehand; a barrier releases them all at the same moment, so they
    really run at once. Waits for every one (at most `timeout` seconds) and returns the
    `Crowd` of their outcomes; exceptions are kept, not raised."""
    targets = list(targets)
    barrier = threading.Barrier(len(targets) + 1)

    def gated(target):
        def run():
            connections["default"].ensure_connection()
            barrier.wait(timeout=30)
            return target()

        return run

    threads = [Thread(gated(target)) for target in targets]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=timeout)
    elapsed = time.perf_counter() - started
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} of {len(threads)} workers did not finish"
    return Crowd(threads, elapsed)
