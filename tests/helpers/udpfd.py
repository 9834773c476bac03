#!/usr/bin/env python3
"""Descriptor lifetime of UDP associations, checked from inside a program.

    udpfd.py HOST PORT

Run through socksify against a UDP echo server (tests/helpers/udpecho.py)
at HOST:PORT.  Each step prints one line, "OK <step> ..." or
"FAIL <step> <why>" (and the program exits 1 at the first failure):

  ctrl          the first datagram opens one control socket, close-on-exec,
                at a high descriptor number ("OK ctrl <fd>")
  close-ctrl    close() on the control socket's number is EBADF for the
                program, and the association still works
  dup2-ctrl     dup2() onto that number gives the program the number and
                moves the control socket elsewhere; the association works
  closerange    close_range() over the control socket's number leaves it open
  dup2-udp      dup2() of the UDP socket: the copy works after the original
                is closed
  fds           closing everything leaves the descriptors the program had
                ("OK fds <before> <after>")
"""

import errno
import fcntl
import os
import socket
import sys

HOST = sys.argv[1]
PORT = int(sys.argv[2])
FAMILY = socket.AF_INET6 if ":" in HOST else socket.AF_INET


def fds():
    """Open descriptors (without the one that listed them)."""
    out = set()
    for x in os.listdir("/proc/self/fd"):
        try:
            os.readlink("/proc/self/fd/" + x)
            out.add(int(x))
        except OSError:
            pass
    return out


def fail(step, why):
    print("FAIL %s %s" % (step, why))
    sys.exit(1)


def echo(s, step, n=0):
    data = b"datagram %s %d" % (step.encode(), n)
    s.sendto(data, (HOST, PORT))
    got, _ = s.recvfrom(100)
    if got != data:
        fail(step, "echo came back as %r" % got)


def sockets():
    """The program's descriptors that are TCP or UDP sockets."""
    out = set()
    for fd in fds():
        try:
            if os.readlink("/proc/self/fd/%d" % fd).startswith("socket:"):
                out.add(fd)
        except OSError:
            pass
    return out


def main():
    baseline = fds()
    s = socket.socket(FAMILY, socket.SOCK_DGRAM)
    s.settimeout(3)
    before = fds()
    echo(s, "ctrl")
    new = fds() - before
    if len(new) != 1:
        fail("ctrl", "%d new descriptors after the first datagram" % len(new))
    ctrl = new.pop()
    if ctrl < 512:
        fail("ctrl", "control socket at %d" % ctrl)
    if not fcntl.fcntl(ctrl, fcntl.F_GETFD) & fcntl.FD_CLOEXEC:
        fail("ctrl", "control socket %d is not close-on-exec" % ctrl)
    print("OK ctrl %d" % ctrl)

    try:
        os.close(ctrl)
        fail("close-ctrl", "close() succeeded")
    except OSError as e:
        if e.errno != errno.EBADF:
            fail("close-ctrl", "close() failed with %s" % errno.errorcode[e.errno])
    if ctrl not in fds():
        fail("close-ctrl", "the control socket is gone")
    echo(s, "close-ctrl")
    print("OK close-ctrl")

    null = os.open("/dev/null", os.O_RDONLY)
    if os.dup2(null, ctrl) != ctrl:
        fail("dup2-ctrl", "dup2 did not return %d" % ctrl)
    if os.readlink("/proc/self/fd/%d" % ctrl) != "/dev/null":
        fail("dup2-ctrl", "%d is not the program's /dev/null" % ctrl)
    moved = fds() - before - {ctrl, null}
    if len(moved) != 1:
        fail("dup2-ctrl", "%d control sockets after the move" % len(moved))
    echo(s, "dup2-ctrl")
    os.close(ctrl)
    os.close(null)
    ctrl = moved.pop()
    print("OK dup2-ctrl %d" % ctrl)

    os.closerange(ctrl, ctrl + 1)
    if ctrl not in fds():
        fail("closerange", "close_range closed the control socket")
    echo(s, "closerange")
    print("OK closerange")

    copy = os.dup2(s.fileno(), 200)
    c = socket.socket(fileno=copy)
    c.settimeout(3)
    echo(c, "dup2-udp", 1)
    s.close()
    echo(c, "dup2-udp", 2)
    if len(sockets()) != 2:
        fail("dup2-udp", "%d sockets with one UDP socket left" % len(sockets()))
    print("OK dup2-udp")

    c.close()
    after = fds()
    if after != baseline:
        fail("fds", "left %s" % sorted(after - baseline))
    print("OK fds %d %d" % (len(baseline), len(after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
