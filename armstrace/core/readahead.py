"""Run a producer in a thread while the caller consumes: file parsing overlaps database writes.

The database does its work (SQLite's page writes, PostgreSQL's backend) without holding
Python's lock, so a bulk load gains when the next chunk is parsed meanwhile. The producer
runs in a copy of the caller's context (language, audit context) and must not touch the
database: Django's connections belong to one thread.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_DONE = object()


@contextmanager
def read_ahead(source: Iterator[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """Yield an iterator over `source`'s items, produced up to `depth` items ahead.

    An exception in the producer is raised in the consumer; leaving the block early stops
    the producer before the block's resources (an open file) are released.
    """
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(produce,), daemon=True)
    thread.start()

    def consume() -> Iterator[T]:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
