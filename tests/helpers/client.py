#!/usr/bin/env python3
"""A TCP client for the end-to-end tests that reports in plain lines.

    client.py [--mode block|nonblock|asyncio] [--timeout S] [--count N]
              [--threads N] [--fork] [--interrupt S] [--send TEXT] HOST PORT

Connects to HOST:PORT (an IPv4 or IPv6 address) the way the mode says:

  block     a blocking socket and connect()
  nonblock  an O_NONBLOCK socket: connect() (0 or EINPROGRESS), select()
            for writability, then getsockopt(SO_ERROR)
  asyncio   asyncio.open_connection()

On success it prints, per connection:

    CONNECTED
    NONBLOCK yes|no        (the O_NONBLOCK flag after the connect)
    FLAGS-KEPT yes         (block and nonblock modes: the file status flags
                           after the connect equal those before it; else
                           "FLAGS-KEPT no <before> <after>" in hex)
    LOCAL <ip> <port>      (getsockname: the socket's own end)
    GETPEERNAME <ip> <port>
    PEER-LINE <line>       (the first line the destination sent, which
                           for tests/helpers/dest.py is "PEER <ip> <port>")
    ECHO <text>            (TEXT sent and read back)

--count N makes N connections one after the other.  --threads N makes N
blocking connections at once from N threads and then prints one
"THREAD <i> <first line> | <echo>" line each (or "THREAD <i> ERRNO <name>")
and "THREADS <ok>/<N>".  --fork makes one connection, forks, and makes
another in the child (lines from the child start with "CHILD ").

--interrupt S delivers SIGALRM every S seconds (a handler that returns, so
system calls see EINTR) until the first connection is made, then prints
"SIGNALS <count>".

On failure it prints "ERRNO <name>" (e.g. ERRNO ECONNREFUSED) and exits 1;
"ERRNO CLIENT_TIMEOUT" with exit 3 when its own timeout ran out first.
Last comes "ELAPSED <seconds>" for the whole run.
"""

import argparse
import asyncio
import errno
import fcntl
import os
import select
import socket
import sys
import time


def errname(num):
    if num is None:
        return "None"
    if num == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(num, str(num))


class Failed(Exception):
    def __init__(self, name, code=1):
        super().__init__(name)
        self.name = name
        self.code = code


PREFIX = ""
SIGNALS = [0, False]   # SIGALRM count, timer running


def connected():
    out("CONNECTED")
    if SIGNALS[1]:
        import signal

        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        SIGNALS[1] = False
        out("SIGNALS %d" % SIGNALS[0])


def out(line):
    sys.stdout.write(PREFIX + line + "\n")
    sys.stdout.flush()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def report_socket(sock):
    flags = fcntl.fcntl(sock.fileno(), fcntl.F_GETFL)
    out("NONBLOCK " + ("yes" if flags & os.O_NONBLOCK else "no"))
    local = sock.getsockname()
    out("LOCAL %s %d" % (local[0], local[1]))
    try:
        peer = sock.getpeername()
        out("GETPEERNAME %s %d" % (peer[0], peer[1]))
    except OSError as e:
        out("GETPEERNAME ERRNO %s" % errname(e.errno))


def read_line_blocking(sock, deadline):
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failed("CLIENT_TIMEOUT", 3)
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            chunk = sock.recv(4096)
        except BlockingIOError:
            continue
        except OSError as e:
            raise Failed(errname(e.errno))
        if not chunk:
            raise Failed("EOF")
        data += chunk
    return data.decode(errors="replace").split("\n", 1)[0]


def talk(sock, text, deadline):
    out("PEER-LINE " + read_line_blocking(sock, deadline))
    if text is not None:
        payload = (text + "\n").encode()
        sent = 0
        while sent < len(payload):
            _, w, _ = select.select([], [sock], [], max(0.0, deadline - time.monotonic()))
            if not w:
                raise Failed("CLIENT_TIMEOUT", 3)
            try:
                sent += sock.send(payload[sent:])
            except BlockingIOError:
                continue
            except OSError as e:
                raise Failed(errname(e.errno))
        out("ECHO " + read_line_blocking(sock, deadline))


def flags_of(sock):
    return fcntl.fcntl(sock.fileno(), fcntl.F_GETFL)


def report_flags(before, sock):
    after = flags_of(sock)
    if before == after:
        out("FLAGS-KEPT yes")
    else:
        out("FLAGS-KEPT no %#x %#x" % (before, after))


def run_block(host, port, timeout, text):
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    try:
        before = flags_of(sock)
        try:
            sock.connect((host, port))
        except OSError as e:
            raise Failed(errname(e.errno))
        connected()
        report_socket(sock)
        report_flags(before, sock)
        talk(sock, text, time.monotonic() + timeout)
    finally:
        sock.close()


def run_nonblock(host, port, timeout, text):
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        before = flags_of(sock)
        rc = sock.connect_ex((host, port))
        out("CONNECT-RC " + ("0" if rc == 0 else errname(rc)))
        if rc not in (0, errno.EINPROGRESS):
            raise Failed(errname(rc))
        if rc == errno.EINPROGRESS:
            _, w, _ = select.select([], [sock], [], timeout)
            if not w:
                raise Failed("CLIENT_TIMEOUT", 3)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise Failed(errname(err))
        connected()
        report_socket(sock)
        report_flags(before, sock)
        talk(sock, text, time.monotonic() + timeout)
    finally:
        sock.close()


async def run_asyncio_once(host, port, timeout, text):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), timeout)
    except asyncio.TimeoutError:
        raise Failed("CLIENT_TIMEOUT", 3)
    except OSError as e:
        raise Failed(errname(e.errno))
    try:
        connected()
        report_socket(writer.get_extra_info("socket"))
        try:
            line = await asyncio.wait_for(reader.readline(), timeout)
            if not line:
                raise Failed("EOF")
            out("PEER-LINE " + line.decode(errors="replace").rstrip("\n"))
            if text is not None:
                writer.write((text + "\n").encode())
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), timeout)
                if not line:
                    raise Failed("EOF")
                out("ECHO " + line.decode(errors="replace").rstrip("\n"))
        except asyncio.TimeoutError:
            raise Failed("CLIENT_TIMEOUT", 3)
        except OSError as e:
            raise Failed(errname(e.errno))
    finally:
        writer.close()


def run_threads(host, port, timeout, text, n):
    import threading

    results = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        sock = socket.socket(family_of(host), socket.SOCK_STREAM)
        try:
            barrier.wait(timeout)
            sock.connect((host, port))
            deadline = time.monotonic() + timeout
            first = read_line_blocking(sock, deadline)
            echo = ""
            if text is not None:
                sock.sendall(("%s-%d\n" % (text, i)).encode())
                echo = read_line_blocking(sock, deadline)
            results[i] = "%s | %s" % (first, echo)
        except Failed as f:
            results[i] = "ERRNO " + f.name
        except OSError as e:
            results[i] = "ERRNO " + errname(e.errno)
        except threading.BrokenBarrierError:
            results[i] = "ERRNO BARRIER"
        finally:
            sock.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    good = 0
    for i, r in enumerate(results):
        out("THREAD %d %s" % (i, r))
        if r is not None and not r.startswith("ERRNO"):
            good += 1
    out("THREADS %d/%d" % (good, n))
    if good != n:
        raise Failed("THREADS")


def run_once(args):
    if args.mode == "block":
        run_block(args.host, args.port, args.timeout, args.send)
    elif args.mode == "nonblock":
        run_nonblock(args.host, args.port, args.timeout, args.send)
    else:
        asyncio.run(run_asyncio_once(args.host, args.port,
                                     args.timeout, args.send))


def run_fork(args):
    global PREFIX
    run_once(args)
    pid = os.fork()
    if pid == 0:
        PREFIX = "CHILD "
        code = 0
        try:
            run_once(args)
        except Failed as f:
            out("ERRNO " + f.name)
            code = f.code
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise Failed("CHILD_FAILED")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("block", "nonblock", "asyncio"),
                    default="block")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--fork", action="store_true")
    ap.add_argument("--interrupt", type=float, default=0.0)
    ap.add_argument("--send")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    if args.interrupt:
        import signal

        def on_alarm(signum, frame):
            SIGNALS[0] += 1

        signal.signal(signal.SIGALRM, on_alarm)
        signal.siginterrupt(signal.SIGALRM, True)
        SIGNALS[1] = True
        signal.setitimer(signal.ITIMER_REAL, args.interrupt, args.interrupt)

    start = time.monotonic()
    code = 0
    try:
        if args.threads:
            run_threads(args.host, args.port, args.timeout, args.send,
                        args.threads)
        elif args.fork:
            run_fork(args)
        else:
            for _ in range(args.count):
                run_once(args)
    except Failed as f:
        out("ERRNO " + f.name)
        code = f.code
    out("ELAPSED %.3f" % (time.monotonic() - start))
    return code


if __name__ == "__main__":
    sys.exit(main())
