"""The gunicorn worker of `make serve`: gunicorn's threaded worker, with two changes.

gunicorn's synchronous worker closes every connection after one response. At a few hundred
requests a second from one client (a proxy in front, or a load test), the server's side of each
closed connection waits out TCP's TIME_WAIT, the client soon reuses a port that is still waiting,
and that connection stalls for a second or more while TCP retries. The threaded worker keeps a
client's connection open between its requests (keep-alive). Two things the synchronous worker does
right are kept:

- **A worker takes a new connection only when it is free.** gunicorn's threaded worker accepts
  whenever it is woken, so one busy worker can collect most of the open connections while others
  sit idle, and every request on them waits its turn. Here a worker stops listening while all its
  threads are busy, so that free workers take the new connections; and after each request it
  takes one waiting connection, if any, so that kept-alive clients that keep every worker busy
  never keep a new one waiting for good.
- **A request that runs past `timeout` ends its worker**, which gunicorn replaces. The threaded
  worker's `timeout` only checks that its main loop is alive, so a request stuck on a lock or a
  slow query would otherwise hold its thread for good. A thread of each worker looks every second
  and, past the timeout, logs the request and ends the process (its other requests in progress
  end too, as when gunicorn kills a worker).

It relies on the threaded worker's internals (gunicorn's version is pinned; tests/test_production.py
checks both).
"""

from __future__ import annotations

import os
import threading
import time

from gunicorn.workers.gthread import ThreadWorker


class Worker(ThreadWorker):
    def __init__(self, *args, **kwargs) -> None:
        self.in_flight = 0  # connections handed to the threads and not yet back
        self.running: dict[int, tuple[float, str]] = {}  # thread -> (start, "GET /path")
        super().__init__(*args, **kwargs)

    # A free worker accepts. gunicorn's loop accepts while `nr_conns < worker_connections`; while
    # every thread is busy the limit reads as 0, so the worker stops listening until one is free.
    @property
    def worker_connections(self) -> int:
        return self._worker_connections if self.in_flight < self.cfg.threads else 0

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._worker_connections = value

    def enqueue_req(self, conn) -> None:
        self.in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)
        # Its kept-alive connections can keep a worker busy for good, and a connection waiting to
        # be accepted would wait as long: after each request, take one if any waits.
        if self.alive and self.nr_conns < self._worker_connections:
            for listener in self.sockets:
                listener.setblocking(False)
                self.accept(listener)  # nothing when none waits

    # The watchdog.
    def run(self) -> None:
        threading.Thread(target=self.watch, name="request-watchdog", daemon=True).start()
        super().run()

    def handle_request(self, req, conn):
        self.running[threading.get_ident()] = (time.monotonic(), f"{req.method} {req.path}")
        try:
            return super().handle_request(req, conn)
        finally:
            self.running.pop(threading.get_ident(), None)

    def overdue(self) -> list[tuple[float, str]]:
        """(seconds, request) of the requests that have run longer than the timeout."""
        now = time.monotonic()
        return [
            (now - started, request)
            for started, request in list(self.running.values())
            if now - started > self.cfg.timeout
        ]

    def watch(self) -> None:
        while True:
            time.sleep(1)
            late = self.overdue()
            if late:
                for seconds, request in late:
                    self.log.critical(
                        "Request still running after %.0f s (timeout %s s); ending worker %s: %s",
                        seconds,
                        self.cfg.timeout,
                        os.getpid(),
                        request,
                    )
                os._exit(1)  # gunicorn's arbiter starts a new worker in its place
