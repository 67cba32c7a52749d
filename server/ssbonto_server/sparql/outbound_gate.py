"""The second SERVICE check, where a request leaves the query process: every connect() a query
process makes is held by the kernel and decided by its web worker, which lets it through only to
an allow-listed host and port.

The guard on the query text (ssbonto.store.query_text) refuses what is not allow-listed before
Oxigraph sees it; this gate holds even if that reading were ever wrong. It uses seccomp's user
notification (Linux 5.5 on): the query process installs a filter on itself that turns its
connect() calls (and sendto() calls that name an address, and io_uring, which could open
connections unseen) into notifications on a file descriptor that it hands to its web worker
before it loads anything. The web worker's gate thread reads the address being connected to and
answers "continue" or EACCES. Unix sockets are refused, netlink (the kernel's own interface,
used by getaddrinfo) is let through. When an allow-listed endpoint is named by host name, its
addresses are resolved by the web worker, and DNS servers (from /etc/resolv.conf) may be reached
on port 53; allow-list IP addresses to keep the query processes off DNS altogether.

Without an allow-list the query processes have no network at all (an empty network namespace,
query_worker), and no gate is needed.
"""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import logging
import os
import platform
import select
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

log = logging.getLogger("ssbonto.query")

# seccomp(2) and its user notification interface, from linux/seccomp.h and linux/filter.h
SECCOMP_SET_MODE_FILTER, SECCOMP_GET_NOTIF_SIZES = 1, 3
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x7FC00000, 0x00050000
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
PR_SET_NO_NEW_PRIVS = 38
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06
ARCHITECTURES = {  # machine: (AUDIT_ARCH, seccomp syscall, connect, sendto, io_uring_setup)
    "x86_64": (0xC000003E, 317, 42, 44, 425),
    "aarch64": (0xC00000B7, 277, 203, 206, 425),
}
NOTIF_SIZE, RESPONSE_SIZE = 80, 24  # struct seccomp_notif, struct seccomp_notif_resp (checked at install)
IOCTL_RECV = 0xC0000000 | (NOTIF_SIZE << 16) | (ord("!") << 8) | 0
IOCTL_SEND = 0xC0000000 | (RESPONSE_SIZE << 16) | (ord("!") << 8) | 1
IOCTL_ID_VALID = 0x40000000 | (8 << 16) | (ord("!") << 8) | 2
REFUSE = -errno.EACCES
SENDTO = ARCHITECTURES.get(platform.machine(), (0, 0, 0, -1))[3]


class GateUnavailable(OSError):
    pass


def _filter_program(arch: int, connect: int, sendto: int, io_uring: int) -> bytes:
    """connect -> notify; sendto with an address -> notify; io_uring_setup and x32 calls -> EPERM;
    everything else allowed."""
    def op(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)
    return b"".join([
        op(BPF_LD_W_ABS, 4),                         # 0: arch
        op(BPF_JEQ_K, arch, 1, 0),                   # 1: -> 3, else 2
        op(BPF_RET_K, SECCOMP_RET_ERRNO | errno.EPERM),  # 2: another ABI: nothing of ours runs there
        op(BPF_LD_W_ABS, 0),                         # 3: syscall number
        op(BPF_JGE_K, 0x40000000, 10, 0),            # 4: x32 numbers -> 15
        op(BPF_JEQ_K, connect, 8, 0),                # 5: -> 14
        op(BPF_JEQ_K, io_uring, 8, 0),               # 6: -> 15
        op(BPF_JEQ_K, sendto, 0, 5),                 # 7: -> 8, else 13
        op(BPF_LD_W_ABS, 16 + 4 * 8),                # 8: args[4] (the address pointer), low word
        op(BPF_JEQ_K, 0, 0, 4),                      # 9: -> 10, else 14
        op(BPF_LD_W_ABS, 16 + 4 * 8 + 4),            # 10: high word
        op(BPF_JEQ_K, 0, 1, 2),                      # 11: NULL -> 13, else 14
        op(BPF_RET_K, SECCOMP_RET_ALLOW),            # 12 (unused)
        op(BPF_RET_K, SECCOMP_RET_ALLOW),            # 13
        op(BPF_RET_K, SECCOMP_RET_USER_NOTIF),       # 14
        op(BPF_RET_K, SECCOMP_RET_ERRNO | errno.EPERM),  # 15
    ])


def install() -> int:
    """In the query process, before it loads anything: hand connect() decisions to a listener;
    returns the listener's file descriptor (to be sent to the web worker). Raises GateUnavailable."""
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        raise GateUnavailable(f"no seccomp filter for {machine}")
    arch, seccomp, connect, sendto, io_uring = ARCHITECTURES[machine]
    if len(os.listdir("/proc/self/task")) != 1:
        raise GateUnavailable("the filter must be installed while the process has one thread")
    libc = ctypes.CDLL(None, use_errno=True)
    sizes = (ctypes.c_uint16 * 3)()
    if libc.syscall(seccomp, SECCOMP_GET_NOTIF_SIZES, 0, ctypes.byref(sizes)) != 0:
        raise GateUnavailable(f"seccomp user notification is not available: {os.strerror(ctypes.get_errno())}")
    if sizes[0] != NOTIF_SIZE or sizes[1] != RESPONSE_SIZE:
        raise GateUnavailable(f"unexpected seccomp notification sizes {list(sizes)}")
    program = _filter_program(arch, connect, sendto, io_uring)
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise GateUnavailable(f"PR_SET_NO_NEW_PRIVS failed: {os.strerror(ctypes.get_errno())}")
    descriptor = libc.syscall(seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, ctypes.byref(fprog))
    if descriptor < 0:
        raise GateUnavailable(f"the seccomp filter was refused: {os.strerror(ctypes.get_errno())}")
    return descriptor


# -- the web worker's side --------------------------------------------------------------------------
def allowed_destinations(allow_list: list[str]) -> tuple[set[tuple[str, int]], bool]:
    """(ip, port) pairs the allow-list's endpoints resolve to, and whether a host name is among them."""
    destinations: set[tuple[str, int]] = set()
    named = False
    for entry in allow_list:
        parts = urlsplit(entry)
        if not parts.hostname:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            ipaddress.ip_address(parts.hostname)
            destinations.add((str(ipaddress.ip_address(parts.hostname)), port))
            continue
        except ValueError:
            named = True
        try:
            for *_, address in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM):
                destinations.add((str(ipaddress.ip_address(address[0])), port))
        except OSError as error:
            log.warning("allow-listed host %s does not resolve now: %s", parts.hostname, error)
    return destinations, named


def _name_servers() -> set[str]:
    servers = set()
    try:
        with open("/etc/resolv.conf", encoding="utf-8") as resolv:
            for line in resolv:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    servers.add(str(ipaddress.ip_address(fields[1].split("%")[0])))
    except (OSError, ValueError):
        pass
    return servers


def destination(family_and_address: bytes) -> tuple[str, str | None, int | None]:
    """(family name, ip, port) of a struct sockaddr."""
    if len(family_and_address) < 2:
        return "short", None, None
    family = struct.unpack_from("H", family_and_address)[0]
    if family == socket.AF_INET and len(family_and_address) >= 8:
        port = struct.unpack_from("!H", family_and_address, 2)[0]
        return "inet", str(ipaddress.IPv4Address(family_and_address[4:8])), port
    if family == socket.AF_INET6 and len(family_and_address) >= 24:
        port = struct.unpack_from("!H", family_and_address, 2)[0]
        address = ipaddress.IPv6Address(family_and_address[8:24])
        return "inet6", str(address.ipv4_mapped or address), port
    if family == socket.AF_UNIX:
        return "unix", None, None
    if family == socket.AF_NETLINK:
        return "netlink", None, None
    if family == socket.AF_UNSPEC:
        return "unspec", None, None  # connect(AF_UNSPEC) dissolves an association: it reaches nothing
    return f"family {family}", None, None


class Gate:
    """The gate thread of one web worker: answers the connect() notifications of its query
    processes against the allow-list."""

    def __init__(self, allow_list: list[str]):
        self.allow_list = list(allow_list)
        self._destinations, self._named = allowed_destinations(self.allow_list)
        self._dns = _name_servers() if self._named else set()
        self._resolved_at = time.monotonic()
        self._listeners: dict[int, int] = {}  # notification fd -> pid of its query process
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        self.allowed = self.refused = 0
        self.last_refused: str | None = None
        self._thread = threading.Thread(target=self._serve, name="outbound-gate", daemon=True)
        self._thread.start()

    def watch(self, descriptor: int, pid: int) -> None:
        with self._lock:
            self._listeners[descriptor] = pid
        os.write(self._wake_write, b"x")

    def forget(self, descriptor: int) -> None:
        with self._lock:
            if self._listeners.pop(descriptor, None) is not None:
                os.close(descriptor)
        os.write(self._wake_write, b"x")

    def status(self) -> dict:
        return {"allowed": self.allowed, "refused": self.refused, "last_refused": self.last_refused}

    def decide(self, kind: str, ip: str | None, port: int | None) -> bool:
        if kind in ("netlink", "unspec"):
            return True
        if kind not in ("inet", "inet6"):
            return False
        if (ip, port) in self._destinations or (port == 53 and ip in self._dns):
            return True
        if self._named and time.monotonic() - self._resolved_at > 5:  # a name's addresses may have moved
            self._destinations, _ = allowed_destinations(self.allow_list)
            self._resolved_at = time.monotonic()
            return (ip, port) in self._destinations
        return False

    def _serve(self) -> None:
        poller = select.poll()
        poller.register(self._wake_read, select.POLLIN)
        registered: set[int] = set()
        while True:
            with self._lock:
                current = set(self._listeners)
            for descriptor in current - registered:
                poller.register(descriptor, select.POLLIN)
            for descriptor in registered - current:
                try:
                    poller.unregister(descriptor)
                except KeyError:
                    pass
            registered = current
            for descriptor, events in poller.poll():
                if descriptor == self._wake_read:
                    os.read(self._wake_read, 4096)
                elif events & select.POLLIN:
                    self._answer(descriptor)
                elif events & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    try:
                        poller.unregister(descriptor)
                    except KeyError:
                        pass
                    registered.discard(descriptor)

    def _answer(self, descriptor: int) -> None:
        import fcntl

        notification = bytearray(NOTIF_SIZE)
        try:
            fcntl.ioctl(descriptor, IOCTL_RECV, notification, True)
        except OSError:  # the process went away between poll and receive
            return
        ident, pid, _, number, _, _ = struct.unpack_from("QIIiIQ", notification)
        args = struct.unpack_from("6Q", notification, 32)
        syscall_address, syscall_length = (args[4], args[5]) if number == SENDTO else (args[1], args[2])
        try:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
                memory.seek(syscall_address)
                address = memory.read(min(syscall_length, 128))
            fcntl.ioctl(descriptor, IOCTL_ID_VALID, struct.pack("Q", ident))  # the process is still waiting
        except (OSError, ValueError, OverflowError):
            address = b""
        kind, ip, port = destination(address)
        passed = self.decide(kind, ip, port)
        if passed:
            self.allowed += 1
        else:
            self.refused += 1
            self.last_refused = f"{kind} {ip}:{port}" if ip else kind
            log.warning("refused an outbound connection of query process %s to %s (not on the allow-list)",
                        pid, self.last_refused)
        response = struct.pack("QqiI", ident, 0, 0 if passed else REFUSE,
                               SECCOMP_USER_NOTIF_FLAG_CONTINUE if passed else 0)
        try:
            fcntl.ioctl(descriptor, IOCTL_SEND, bytearray(response), True)
        except OSError:
            pass
