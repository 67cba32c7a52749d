"""Processes a web worker starts and can kill (the validator processes): a module run
as `python -m MODULE FD OPTIONS-JSON`, FD being its end of a socket pair, which answers
("ready", info) once loaded or ("failed", why)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from multiprocessing.connection import Connection


class Child:
    def __init__(self, process: subprocess.Popen, connection: Connection):
        self.process = process
        self.connection = connection
        self.info: dict = {}

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self.connection.close()


def spawn(module: str, options: dict) -> Child:
    ours, theirs = socket.socketpair()
    process = subprocess.Popen([sys.executable, "-m", module, str(theirs.fileno()), json.dumps(options)],
                               pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
    theirs.close()
    return Child(process, Connection(ours.detach()))


def await_ready(child: Child, seconds: float, what: str) -> tuple[bool, object]:
    """(True, info) once the child has loaded, else (False, why it did not)."""
    try:
        if child.connection.poll(seconds):
            message = child.connection.recv()
        else:
            message = ("failed", f"no answer after {seconds:g} s")
    except (EOFError, OSError):
        message = ("failed", f"the {what} exited with code {child.process.poll()} while loading")
    return message[0] == "ready", message[1]
