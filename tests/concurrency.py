"""Two writers at once, each on its own database connection, for the PostgreSQL tests of
row locks (SQLite serialises every write, so such races cannot happen there)."""

import threading

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
