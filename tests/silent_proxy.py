"""A TCP proxy on loopback that can go silent, for tests/test_crash.py: after ``cut()`` it
forwards nothing in either direction and closes nothing, as a host that lost power or a network
that dropped every packet would. The server on the other side sees an open connection with no
one there, until something of its own (a timeout) ends it."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class SilentProxy:
    """Forwards ``127.0.0.1:port`` to ``target`` until cut."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        """``port``: the one to listen on (a free one when 0)."""
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._guard = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """From now on nothing passes, and nothing is closed."""
        self._cut.set()

    def close(self) -> None:
        """From now on nothing connects (refused), and every connection made is ended."""
        self._closed.set()
        # shutdown first: a thread blocked in accept keeps a closed socket listening.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._guard:
            for sock in self._sockets:
                # shutdown, not only close: it wakes a thread waiting in recv, and the other
                # side sees the connection end.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def __enter__(self) -> SilentProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._guard:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                # One side closed. Once cut the other never hears of it (it stays open until
                # the test ends); before, the close passes on.
                if not self._cut.is_set():
                    sink.close()
                return
            if self._cut.is_set():
                continue  # dropped
            try:
                sink.sendall(data)
            except OSError:
                return
