#!/usr/bin/env python3
"""A UDP client for the end-to-end tests that reports in plain lines.

    udpclient.py [--timeout S] MODE HOST PORT [options]

MODE is one of:

  echo      --count N --how unconnected|connected|sendmsg
            Sends N datagrams to an echo server (tests/helpers/udpecho.py),
            one at a time, of sizes 0, 1, ... 1400, 0, 1, ... and checks each
            reply: same bytes, same order, and (unconnected) from HOST:PORT.
            "unconnected" uses sendto/recvfrom, "connected" connect and
            send/recv, "sendmsg" sendmsg/recvmsg with two buffers each.
            Prints "ECHOED <n>" and "LOCAL <ip> <port>" (getsockname after
            the first send), or "MISMATCH <i> <why>" and exits 1.
  peek      One 100-byte datagram to an echo server, then checks what a
            program sees of the reply: MSG_PEEK, MSG_TRUNC with a short
            buffer, the MSG_TRUNC flag of recvmsg, and EAGAIN on a
            non-blocking socket once nothing is left.  Prints "PEEK-OK" or
            "PEEK-FAIL <why>".
  many      --sockets N --proxy-port P
            Opens N UDP sockets, sends one datagram on each to an echo
            server and waits for its reply, closes them all.  Prints
            "FDS <before> <after>" (entries of /proc/self/fd) and
            "CTRL <n>": established TCP connections to port P left (ss).
  once      --sends N (default 1)
            Sends N datagrams ("ping") with sendto, printing "SENT" or
            "ERRNO <name>" for each, then waits --wait seconds for each
            reply: "REPLY <ip> <port> <text>" (the sender recvfrom names),
            or "NO-REPLY" and no more waiting.
  thread    --how recvfrom|recv|recvmsg|connected
            A thread waits in the receive call before the socket has sent
            anything; then the main thread sends 5 datagrams.  The waiting
            thread must get the 5 payloads (not the proxy's headers), in
            order, from HOST:PORT.  "connected" connects the socket first
            and uses send and recv.  Prints "THREAD-OK" or
            "THREAD-FAIL <why>".
  twice     --go FILE
            Echoes one datagram and prints "FIRST", waits (up to 15 s) for
            FILE to exist, then echoes another on the same socket and prints
            "SECOND": the test restarts the proxy in between.

On a Python exception it prints "ERRNO <name>" when there is an errno and
exits 1.  --timeout bounds each wait for a reply (default 3 s).
"""

import argparse
import errno
import os
import socket
import subprocess
import sys


def errname(num):
    return errno.errorcode.get(num, str(num))


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def payload(i, size):
    """Bytes that differ from datagram to datagram and from offset to offset."""
    return bytes((i * 7 + k * 13) & 0xFF for k in range(size))


def same_peer(got, host, port):
    return socket.inet_pton(family_of(host), got[0]) == socket.inet_pton(
        family_of(host), host) and got[1] == port


def do_echo(args):
    s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    dst = (args.host, args.port)
    if args.how == "connected":
        s.connect(dst)
    local = None
    for i in range(args.count):
        size = i % 1401
        data = payload(i, size)
        if args.how == "unconnected":
            s.sendto(data, dst)
        elif args.how == "connected":
            s.send(data)
        else:
            half = size // 2
            s.sendmsg([data[:half], data[half:]], [], 0, dst)
        if local is None:
            local = s.getsockname()
        if args.how == "unconnected":
            got, peer = s.recvfrom(2048)
        elif args.how == "connected":
            got = s.recv(2048)
            peer = dst
        else:
            a = bytearray(700)
            b = bytearray(1400)
            n, _, flags, peer = s.recvmsg_into([a, b])
            got = bytes((a + b)[:n])
            if flags & socket.MSG_TRUNC:
                print("MISMATCH %d truncated" % i)
                return 1
        if got != data:
            print("MISMATCH %d sent %d bytes, got %d different" % (i, size, len(got)))
            return 1
        if not same_peer(peer, args.host, args.port):
            print("MISMATCH %d reply from %s %d" % (i, peer[0], peer[1]))
            return 1
    print("ECHOED %d" % args.count)
    print("LOCAL %s %d" % (local[0], local[1]))
    if args.how == "connected":
        peer = s.getpeername()
        print("GETPEERNAME %s %d" % (peer[0], peer[1]))
    s.close()
    return 0


def do_peek(args):
    s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    dst = (args.host, args.port)
    data = payload(1, 100)
    s.sendto(data, dst)
    buf = bytearray(10)
    # MSG_PEEK | MSG_TRUNC: the real length, the datagram stays queued.
    n = s.recv_into(buf, 10, socket.MSG_PEEK | socket.MSG_TRUNC)
    if n != 100 or bytes(buf) != data[:10]:
        print("PEEK-FAIL peek+trunc returned %d" % n)
        return 1
    got, peer = s.recvfrom(200, socket.MSG_PEEK)
    if got != data or not same_peer(peer, args.host, args.port):
        print("PEEK-FAIL peek returned %d bytes from %s" % (len(got), peer))
        return 1
    # A short buffer: 10 bytes and the MSG_TRUNC flag.
    n, _, flags, peer = s.recvmsg_into([buf])
    if n != 10 or not flags & socket.MSG_TRUNC or bytes(buf) != data[:10]:
        print("PEEK-FAIL short recvmsg returned %d flags %#x" % (n, flags))
        return 1
    if not same_peer(peer, args.host, args.port):
        print("PEEK-FAIL short recvmsg from %s" % (peer,))
        return 1
    # Nothing left: a non-blocking receive says EAGAIN.
    s.setblocking(False)
    try:
        s.recv(100)
        print("PEEK-FAIL a second datagram")
        return 1
    except BlockingIOError:
        pass
    try:
        s.recv(100, socket.MSG_DONTWAIT)
        print("PEEK-FAIL a second datagram (MSG_DONTWAIT)")
        return 1
    except BlockingIOError:
        pass
    print("PEEK-OK")
    return 0


def count_fds():
    return len(os.listdir("/proc/self/fd"))


def do_many(args):
    before = count_fds()
    socks = []
    for i in range(args.sockets):
        s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
        s.settimeout(args.timeout)
        socks.append(s)
    for i, s in enumerate(socks):
        data = payload(i, 32)
        s.sendto(data, (args.host, args.port))
        got, _ = s.recvfrom(100)
        if got != data:
            print("MISMATCH %d" % i)
            return 1
    for s in socks:
        s.close()
    after = count_fds()
    print("FDS %d %d" % (before, after))
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", "( dport = :%d )" % args.proxy_port],
        capture_output=True, text=True, check=True).stdout
    print("CTRL %d" % len([l for l in out.splitlines() if l.strip()]))
    return 0


def do_once(args):
    s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    sent = 0
    for i in range(args.sends):
        try:
            s.sendto(b"ping", (args.host, args.port))
            print("SENT")
            sent += 1
        except OSError as e:
            print("ERRNO %s" % errname(e.errno))
    s.settimeout(args.wait)
    for i in range(max(sent, 1)):
        try:
            data, peer = s.recvfrom(100)
            print("REPLY %s %d %s" % (peer[0], peer[1], data.decode(errors="replace")))
        except (socket.timeout, OSError):
            print("NO-REPLY")
            break
    return 0


def do_thread(args):
    import threading
    import time
    s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    # Blocking, no timeout: Python would poll() first, and the waiting
    # must happen inside the receive call itself.
    s.settimeout(None)
    if args.how == "connected":
        s.connect((args.host, args.port))
    got = []

    def receive():
        try:
            for i in range(5):
                if args.how in ("recv", "connected"):
                    got.append((s.recv(2048), (args.host, args.port)))
                elif args.how == "recvmsg":
                    data, _, _, peer = s.recvmsg(2048)
                    got.append((data, peer))
                else:
                    got.append(s.recvfrom(2048))
        except OSError as e:
            got.append((None, e))

    t = threading.Thread(target=receive, daemon=True)
    t.start()
    time.sleep(0.3)
    for i in range(5):
        if args.how == "connected":
            s.send(payload(i, 100 + i))
        else:
            s.sendto(payload(i, 100 + i), (args.host, args.port))
        time.sleep(0.05)
    t.join(args.timeout + 1)
    if t.is_alive():
        print("THREAD-FAIL the receiver still waits after %d datagrams" % len(got),
              flush=True)
        os._exit(1)
    for i, (data, peer) in enumerate(got):
        if data is None:
            print("THREAD-FAIL %d %s" % (i, peer))
            return 1
        if data != payload(i, 100 + i):
            print("THREAD-FAIL %d got %d bytes %r" % (i, len(data), data[:12]))
            return 1
        if not same_peer(peer, args.host, args.port):
            print("THREAD-FAIL %d from %s" % (i, peer))
            return 1
    print("THREAD-OK")
    return 0


def do_twice(args):
    import time
    s = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    for step in ("FIRST", "SECOND"):
        data = step.encode()
        s.sendto(data, (args.host, args.port))
        got, _ = s.recvfrom(100)
        if got != data:
            print("MISMATCH %s" % step)
            return 1
        print(step, flush=True)
        deadline = time.monotonic() + 15
        while step == "FIRST" and not os.path.exists(args.go):
            if time.monotonic() > deadline:
                print("NO-GO")
                return 1
            time.sleep(0.05)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--how", default="unconnected",
                    choices=["unconnected", "connected", "sendmsg",
                             "recvfrom", "recv", "recvmsg"])
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--proxy-port", type=int, default=0)
    ap.add_argument("--wait", type=float, default=1.0)
    ap.add_argument("--go")
    ap.add_argument("--sends", type=int, default=1)
    ap.add_argument("mode", choices=["echo", "peek", "many", "once", "twice",
                                     "thread"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    try:
        return {"echo": do_echo, "peek": do_peek, "many": do_many,
                "once": do_once, "twice": do_twice,
                "thread": do_thread}[args.mode](args)
    except OSError as e:
        print("ERRNO %s" % (errname(e.errno) if e.errno else type(e).__name__))
        return 1


if __name__ == "__main__":
    sys.exit(main())
