#!/usr/bin/env python3
"""A TCP client that keeps one good connection busy while it makes others
that are meant to fail, reporting in plain lines.

    faultclient.py [--attempts N] [--bound S] HOST PORT

Connects to HOST:PORT (tests/helpers/dest.py) once and keeps that
connection echoing a line every 20 ms from a thread of its own.  Then it
makes N more connections to HOST:PORT one after the other (default 2),
blocking and non-blocking (select for writability, then SO_ERROR) in turn;
each one that connects reads the destination's first line.  Everything is
bounded by --bound seconds (default 10) per attempt.

Lines:
    GOOD <peer line>                the first connection is up
    ATTEMPT <i> <block|nonblock> <result> <seconds>
        result: CONNECTED <first line>, or ERRNO <name> at the connect,
        or READ-ERRNO <name> / READ-EOF after connecting
    OTHER ok <echoes>               the good connection echoed all along
    OTHER FAIL <why>
    FDS <before> <after>            /proc/self/fd around the attempts
    DONE
"""

import argparse
import errno
import os
import select
import socket
import sys
import threading
import time


def errname(num):
    return errno.errorcode.get(num, str(num))


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def count_fds():
    return len(os.listdir("/proc/self/fd"))


def read_line(sock, deadline):
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise OSError(errno.ETIMEDOUT, "timed out")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            chunk = sock.recv(4096)
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError()
        data += chunk
    return data.split(b"\n", 1)[0].decode(errors="replace")


class Keeper(threading.Thread):
    """Echo a line over the good connection every 20 ms until told to stop."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.count = 0
        self.error = None
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                text = "keep %d" % self.count
                self.sock.sendall((text + "\n").encode())
                got = read_line(self.sock, time.monotonic() + 5)
                if got != text:
                    self.error = "sent %r, got %r" % (text, got)
                    return
                self.count += 1
                self.stop.wait(0.02)
        except (OSError, EOFError) as e:
            self.error = "%s" % (errname(e.errno) if isinstance(e, OSError) and e.errno
                                 else type(e).__name__)


def attempt(host, port, nonblock, bound):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    deadline = time.monotonic() + bound
    try:
        if nonblock:
            s.setblocking(False)
            rc = s.connect_ex((host, port))
            if rc not in (0, errno.EINPROGRESS):
                return "ERRNO " + errname(rc)
            if rc == errno.EINPROGRESS:
                _, w, _ = select.select([], [s], [], bound)
                if not w:
                    return "ERRNO CLIENT_TIMEOUT"
                rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if rc != 0:
                    return "ERRNO " + errname(rc)
        else:
            # A truly blocking connect (a Python timeout would make the
            # socket non-blocking); the library's timeout bounds it.
            try:
                s.connect((host, port))
            except OSError as e:
                return "ERRNO " + errname(e.errno)
            s.setblocking(False)
        try:
            return "CONNECTED " + read_line(s, deadline)
        except EOFError:
            return "READ-EOF"
        except OSError as e:
            return "READ-ERRNO " + errname(e.errno)
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attempts", type=int, default=2)
    ap.add_argument("--bound", type=float, default=10.0)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    good = socket.create_connection((args.host, args.port), timeout=10)
    out("GOOD " + read_line(good, time.monotonic() + 10))
    keeper = Keeper(good)
    keeper.start()
    before = count_fds()
    for i in range(args.attempts):
        nonblock = i % 2 == 1
        t0 = time.monotonic()
        result = attempt(args.host, args.port, nonblock, args.bound)
        out("ATTEMPT %d %s %s %.3f" % (i, "nonblock" if nonblock else "block",
                                       result, time.monotonic() - t0))
    after = count_fds()
    # Let the good connection go on a little after the last attempt.
    time.sleep(0.1)
    keeper.stop.set()
    keeper.join(10)
    if keeper.error or keeper.is_alive():
        out("OTHER FAIL %s" % (keeper.error or "stuck"))
    elif keeper.count == 0:
        out("OTHER FAIL no echo")
    else:
        out("OTHER ok %d" % keeper.count)
    good.close()
    out("FDS %d %d" % (before, after))
    out("DONE")


if __name__ == "__main__":
    main()
