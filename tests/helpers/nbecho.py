#!/usr/bin/env python3
"""A non-blocking echo client driven by one readiness call.

    nbecho.py select|poll|epoll HOST PORT BYTES [SNDBUF [PIECE]]

Connects without blocking to an echo server (tests/helpers/dest.py, which
first sends "PEER <ip> <port>\\n"), then writes BYTES random bytes in
pieces of up to 7000 (or PIECE) whenever the socket is writable and reads whenever
the readiness call says it is readable, until everything has come back.
Every read after a "readable" answer must return data (or the end): a
read that would block after one is reported as "SPURIOUS <n>" and fails
the run.  Prints "RESULT ok" when the bytes came back in order, else
"RESULT <what went wrong>"; exits 0 only on "ok".  Gives up after 30 s.
With SNDBUF the socket's send buffer is set that small, so that writes
come back short and EAGAIN often.  "SHORT <n>" reports how many sends
took less than they were given, "EAGAIN <n>" how many took nothing.
"""

import errno
import os
import select
import socket
import sys
import time


def wait(mode, sock, want_write, poller):
    """(readable, writable) as the readiness call reports them."""
    if mode == "select":
        r, w, _ = select.select([sock], [sock] if want_write else [], [], 5)
        return bool(r), bool(w)
    events = select.POLLIN | (select.POLLOUT if want_write else 0)
    if mode == "poll":
        poller.register(sock, events)
        got = poller.poll(5000)
    else:
        poller.modify(sock, (select.EPOLLIN |
                             (select.EPOLLOUT if want_write else 0)))
        got = poller.poll(5)
    ev = 0
    for _, e in got:
        ev |= e
    return bool(ev & (select.POLLIN | select.POLLHUP | select.POLLERR)), \
        bool(ev & select.POLLOUT)


def main():
    mode, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    data = os.urandom(size)
    sock = socket.socket()
    if len(sys.argv) > 5:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(sys.argv[5]))
    sock.setblocking(False)
    try:
        sock.connect((host, port))
    except BlockingIOError:
        pass
    poller = None
    if mode == "poll":
        poller = select.poll()
    elif mode == "epoll":
        poller = select.epoll()
        poller.register(sock, select.EPOLLOUT)
    # The connect ends when the socket is writable.
    while not wait(mode, sock, True, poller)[1]:
        pass
    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        print("RESULT connect failed: %s" % os.strerror(err))
        return 1
    expect = None
    got = b""
    sent = 0
    spurious = 0
    short = 0
    eagain = 0
    piece_max = int(sys.argv[6]) if len(sys.argv) > 6 else 7000
    deadline = time.time() + 30
    while time.time() < deadline:
        readable, writable = wait(mode, sock, sent < size, poller)
        if writable and sent < size:
            piece = data[sent:sent + piece_max]
            try:
                n = sock.send(piece)
                short += n < len(piece)
                sent += n
            except BlockingIOError:
                eagain += 1
        if readable:
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                spurious += 1
                continue
            except OSError as e:
                print("RESULT read failed: %s" % errno.errorcode[e.errno])
                return 1
            if not chunk:
                print("RESULT early end after %d bytes" % len(got))
                return 1
            got += chunk
            if expect is None and b"\n" in got:
                head, got = got.split(b"\n", 1)
                if not head.startswith(b"PEER "):
                    print("RESULT no PEER line")
                    return 1
                expect = data
            if expect is not None and len(got) >= size:
                break
    if spurious:
        print("SPURIOUS %d" % spurious)
    print("SHORT %d" % short)
    print("EAGAIN %d" % eagain)
    if expect is None or got != data:
        print("RESULT got %d of %d bytes%s" % (len(got), size,
              "" if got == data[:len(got)] else ", different"))
        return 1
    if spurious:
        print("RESULT readable without data %d times" % spurious)
        return 1
    print("RESULT ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
