"""A TCP server that accepts connections and never answers: a hung PostgreSQL or Redis.

The kernel completes the handshake (a stopped server's does too), so a client's connect
succeeds and only its reads wait. Each accepted socket is kept open until the server stops.
"""

import contextlib
import socket
import threading


class SilentServer:
    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.host, self.port = self._listener.getsockname()
        self._accepted: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _address = self._listener.accept()
            except OSError:  # the listener was closed by stop()
                return
            self._accepted.append(connection)

    @property
    def accepted(self) -> int:
        return len(self._accepted)

    def start(self) -> "SilentServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)
        for connection in self._accepted:
            with contextlib.suppress(OSError):
                connection.close()

    def __enter__(self) -> "SilentServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
