#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/.

Each seed is a small file: well-formed messages as RFC 1928, RFC 1929 and
the SOCKS4/SOCKS4a documents give them (and DNS
queries as RFC 1035 lays them out), and a few malformed ones next to
them.  The files are named for what they hold.  Running the script again
rewrites the corpus exactly (files it did not write are removed from
corpus/, never from regressions/).

Usage: tests/fuzz/make_seeds.py [OUTDIR]   (default: tests/fuzz/corpus)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

IPV4 = bytes([93, 184, 216, 34])
IPV6 = bytes.fromhex("20010db8000000000000000000000001")


def port(p):
    return struct.pack(">H", p)


def s5_addr(atyp, value, p):
    """ATYP, ADDR and PORT as RFC 1928 lays them out."""
    if atyp == 1:
        return b"\x01" + value + port(p)
    if atyp == 4:
        return b"\x04" + value + port(p)
    return b"\x03" + bytes([len(value)]) + value + port(p)


def s5_reply(rep, atyp=1, value=IPV4, p=80, ver=5):
    return bytes([ver, rep, 0]) + s5_addr(atyp, value, p)


def s4_reply(cd, p=80, ip=IPV4, vn=0):
    return bytes([vn, cd]) + port(p) + ip


def socks4_decode_reply():
    return {
        "granted": s4_reply(90),
        "granted-vn4": s4_reply(90, vn=4),
        "rejected": s4_reply(91, 0, bytes(4)),
        "no-identd": s4_reply(92),
        "ident-mismatch": s4_reply(93),
        "granted-then-data": s4_reply(90) + b"HTTP/1.0 200 OK\r\n",
        "short": s4_reply(90)[:7],
        "bad-vn": s4_reply(90, vn=5),
        "bad-cd": s4_reply(89),
        "socks5-reply": s5_reply(0),
    }


def socks5_decode_method():
    return {
        "none": b"\x05\x00",
        "userpass": b"\x05\x02",
        "unacceptable": b"\x05\xff",
        "gssapi": b"\x05\x01",
        "then-auth-status": b"\x05\x02\x01\x00",
        "short": b"\x05",
        "socks4-reply": s4_reply(90),
        "bad-ver": b"\x04\x00",
    }


def socks5_decode_auth():
    return {
        "success": b"\x01\x00",
        "failure": b"\x01\x01",
        "success-ver5": b"\x05\x00",
        "then-reply": b"\x01\x00" + s5_reply(0),
        "short": b"\x01",
        "bad-ver": b"\x02\x00",
    }


def socks5_decode_reply():
    seeds = {
        "succeeded-ipv4": s5_reply(0),
        "succeeded-ipv6": s5_reply(0, 4, IPV6, 443),
        "succeeded-name": s5_reply(0, 3, b"example.com", 443),
        "succeeded-name-255": s5_reply(0, 3, b"n" * 255, 1),
        "succeeded-zero-bnd": s5_reply(0, 1, bytes(4), 0),
        "succeeded-then-data": s5_reply(0) + b"SSH-2.0-OpenSSH\r\n",
        "tor-onion-not-found": s5_reply(0xF0),
        "unknown-rep": s5_reply(0x42),
        "short-fixed": s5_reply(0)[:3],
        "short-ipv4": s5_reply(0)[:9],
        "short-name": s5_reply(0, 3, b"example.com", 443)[:10],
        "bad-ver": s5_reply(0, ver=4),
        "bad-atyp": bytes([5, 0, 0, 2]) + IPV4 + port(80),
        "empty-name": bytes([5, 0, 0, 3, 0]) + port(80),
        "ipv6-bnd-for-ipv4": s5_reply(0, 4, bytes(16), 0),
    }
    for rep in range(1, 9):
        seeds["rep-%02x" % rep] = s5_reply(rep, 1, bytes(4), 0)
    return seeds


def socks5_decode_udp_header():
    def hdr(atyp, value, p, frag=0):
        return bytes([0, 0, frag]) + s5_addr(atyp, value, p)

    dns_query = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
    return {
        "ipv4-dns": hdr(1, bytes([9, 9, 9, 9]), 53) + dns_query,
        "ipv6": hdr(4, IPV6, 53) + dns_query,
        "name": hdr(3, b"example.com", 53) + dns_query,
        "header-only": hdr(1, IPV4, 53),
        "frag-1": hdr(1, IPV4, 53, 1) + b"x",
        "name-255": hdr(3, b"n" * 255, 9),
        "short": hdr(1, IPV4, 53)[:8],
        "bad-atyp": bytes([0, 0, 0, 7]) + IPV4 + port(53),
        "empty-name": bytes([0, 0, 0, 3, 0]) + port(53),
        "rsv-set": bytes([0xFF, 0xFF, 0]) + s5_addr(1, IPV4, 53),
    }


def proxyurl_parse():
    urls = [
        "socks5h://127.0.0.1:1080",
        "socks5://127.0.0.1",
        "socks4://10.0.0.1:1080",
        "socks4a://proxy.example.com:1080/",
        "socks5h://[::1]:9050",
        "socks5h://[2001:db8::1]",
        "SOCKS5H://Proxy.Example.COM:1080",
        "socks5://user:pass@proxy.example.com:1080",
        "socks5h://us%40er:p%3Ass%25@localhost:9050",
        "socks5://user:p@ss@host:1080",
        "socks5://user:@host",
        "socks4://user@host",
        "socks4://user:pass@host",
        "http://proxy:3128",
        "socks5://host:0",
        "socks5://host:65536",
        "socks5://host:",
        "socks5://[::1",
        "socks5://[fe80::1%25eth0]:1080",
        "socks5://a:b:c",
        "socks5://300.1.1.1",
        "socks5://host/path",
        "socks5://%zz@host",
        "socks5://u%00@host",
        "socks5h://:pass@host",
        "socks5h://",
        "socks5h://host name",
        "127.0.0.1:1080",
    ]
    return {"url-%02d" % i: u.encode() for i, u in enumerate(urls)}


def noproxy_parse():
    lists = [
        b"localhost,127.0.0.1,.example.com",
        b"*",
        b"10.0.0.0/8 192.168.0.0/16\t172.16.0.0/12",
        b"[::1]:8080,::1,fd00::/8,[fd00::]/8:443",
        b"example.com:443,*.corp.example,intranet.",
        b"::ffff:10.0.0.0/104",
        b"10.0.0.0/33",
        b"[::1",
        b"a..b",
        b"host:0",
        b"host:x",
        b"[1.2.3.4]",
        b"fe80::1%eth0",
        b",, ,",
    ]
    seeds = {"list-%02d" % i: l for i, l in enumerate(lists)}

    def sa(family, addr, p, cut=0):
        return bytes([family]) + addr.ljust(16, b"\0") + port(p) + bytes([cut])

    seeds["name-www"] = b"example.com\0www.example.com\0" + sa(1, IPV4, 443)
    seeds["name-suffix"] = b".example.com\0badexample.com\0" + sa(0, b"", 0)
    seeds["cidr-v4"] = b"93.184.0.0/16\0\0" + sa(1, IPV4, 80)
    seeds["cidr-v6-port"] = b"[2001:db8::]/32:443\0\0" + sa(2, IPV6, 443)
    seeds["mapped"] = b"93.184.216.34\0\0" + sa(2, bytes(10) + b"\xff\xff" + IPV4, 80)
    seeds["short-sockaddr"] = b"::1\0::1\0" + sa(2, bytes(15) + b"\x01", 1, 9)
    return seeds


def hoststab_parse():
    return {
        "debian": (b"127.0.0.1\tlocalhost\n127.0.1.1\thost.example.org\thost\n\n"
                   b"# The following lines are desirable for IPv6 capable hosts\n"
                   b"::1     localhost ip6-localhost ip6-loopback\n"
                   b"ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"),
        "blocklist": b"".join(b"0.0.0.0 ad%d.example.com\n" % i for i in range(40)),
        "case-and-repeats": (b"10.0.0.1 Web web.Example.com\n10.0.0.2 WEB\n"
                             b"10.0.0.1 other web\n"),
        "comments": b"# only a comment\n10.1.1.1 a # b c\n  \t\n#10.2.2.2 hidden\n",
        "crlf": b"192.168.0.1 router\r\n192.168.0.2 nas\r\n",
        "bad-addresses": b"300.1.1.1 bad\n1.2.3 short\nfe80::1%eth0 scoped\nnot-an-address x\n",
        "long-name": b"10.9.9.9 " + b"n" * 255 + b" " + b"m" * 256 + b"\n",
        "no-final-newline": b"10.0.0.3 last",
        "address-only": b"10.0.0.4\n10.0.0.5   \n",
    }


def udpframe_parse():
    """NBUF SLACK SIZE[NBUF] DST[2] SRC[2] COUNT[2] DATAGRAM."""
    def case(sizes, dgram, slack=0, dst=0, src=0, count=0):
        return (bytes([len(sizes) - 1, slack]) + bytes(sizes) + port(dst) +
                port(src) + port(count) + dgram)

    def hdr(atyp, value, p):
        return bytes([0, 0, 0]) + s5_addr(atyp, value, p)

    v4 = hdr(1, bytes([9, 9, 9, 9]), 53) + b"payload"
    v6 = hdr(4, IPV6, 53) + b"payload"
    name = hdr(3, b"example.com", 53) + b"payload"
    return {
        "ipv4-one-buffer": case([0], v4, 16),
        "ipv4-header-split": case([3, 4, 3, 0], v4, 0, 0, 10, 7),
        "ipv6-bytewise": case([1] * 7 + [0], v6, 4, 0, 22, 7),
        "name-split": case([5, 2, 9, 0], name, 8, 0, 18, 7),
        "move-backward": case([4, 6, 0], v4, 12, 12, 10, 7),
        "short": case([2, 0], v4[:8]),
        "bad-atyp": case([0], bytes([0, 0, 0, 9]) + b"xxxxxx"),
    }


# The handshake target's input: FLAGS0 FLAGS1 NCTL CTL[NCTL] STREAM.
F_SOCKS4, F_SOCKS4A, F_SOCKS5, F_SOCKS5H = 0, 1, 2, 3
F_AUTH, F_PIPE, F_LONG, F_IPV6 = 0x04, 0x08, 0x10, 0x20
F_INPROGRESS, F_EINTR, F_REFUSED = 0x40, 0x80, 0xC0
G_BIND, G_UDP, G_BADCMD, G_SECOND, G_RESET = 1, 2, 3, 0x04, 0x08
C_AGAIN, C_INTR, C_ERROR, C_AGAIN2 = 0x00, 0x08, 0x0C, 0x0D


def chunk(n):
    return 0x0D + n


def hs(f0, f1, stream, ctl=b""):
    return bytes([f0, f1, len(ctl)]) + bytes(ctl) + stream


def handshake_step():
    ok4 = s4_reply(90)
    ok5 = s5_reply(0)
    ok5_name = s5_reply(0, 3, b"example.com", 443)
    ok5_v6 = s5_reply(0, 4, IPV6, 443)
    trickle = bytes([chunk(1), C_AGAIN] * 12)
    mixed = bytes([C_AGAIN, chunk(1), C_INTR, chunk(2), C_AGAIN2, chunk(3),
                   chunk(1), C_AGAIN, chunk(200)])
    return {
        "socks4-granted": hs(F_SOCKS4, 0, ok4),
        "socks4-granted-user": hs(F_SOCKS4 | F_AUTH, 0, ok4),
        "socks4-rejected": hs(F_SOCKS4, 0, s4_reply(91)),
        "socks4-trickle": hs(F_SOCKS4, 0, ok4 + b"app data", trickle),
        "socks4-bind-two-replies": hs(F_SOCKS4, G_BIND | G_SECOND,
                                      s4_reply(90, 0, bytes(4)) + ok4),
        "socks4-udp": hs(F_SOCKS4, G_UDP, ok4),
        "socks4-ipv6": hs(F_SOCKS4 | F_IPV6, 0, ok4),
        "socks4a-granted": hs(F_SOCKS4A, 0, ok4),
        "socks4a-long": hs(F_SOCKS4A | F_AUTH | F_LONG, 0, ok4, mixed),
        "socks4-truncated": hs(F_SOCKS4, 0, ok4[:5]),
        "socks5-ipv4": hs(F_SOCKS5, 0, b"\x05\x00" + ok5),
        "socks5-ipv6": hs(F_SOCKS5 | F_IPV6, 0, b"\x05\x00" + ok5_v6),
        "socks5h-name": hs(F_SOCKS5H, 0, b"\x05\x00" + ok5_name),
        "socks5h-name-255": hs(F_SOCKS5H | F_LONG, 0,
                               b"\x05\x00" + s5_reply(0, 3, b"n" * 255, 1)),
        "socks5-auth": hs(F_SOCKS5 | F_AUTH, 0, b"\x05\x02\x01\x00" + ok5),
        "socks5-auth-long": hs(F_SOCKS5 | F_AUTH | F_LONG, 0,
                               b"\x05\x02\x01\x00" + ok5, mixed),
        "socks5-auth-rejected": hs(F_SOCKS5 | F_AUTH, 0, b"\x05\x02\x01\x01"),
        "socks5-auth-ver5": hs(F_SOCKS5 | F_AUTH, 0, b"\x05\x02\x05\x00" + ok5),
        "socks5-pipelined": hs(F_SOCKS5 | F_PIPE, 0, b"\x05\x00" + ok5 + b"data"),
        "socks5-pipelined-auth": hs(F_SOCKS5 | F_PIPE | F_AUTH, 0,
                                    b"\x05\x02\x01\x00" + ok5_name + b"data", mixed),
        "socks5-pipelined-auth-trickle": hs(F_SOCKS5H | F_PIPE | F_AUTH, 0,
                                            b"\x05\x02\x01\x00" + ok5_v6, trickle),
        "socks5-method-unacceptable": hs(F_SOCKS5, 0, b"\x05\xff"),
        "socks5-method-not-offered": hs(F_SOCKS5, 0, b"\x05\x02\x01\x00" + ok5),
        "socks5-refused": hs(F_SOCKS5, 0, b"\x05\x00" + s5_reply(5, 1, bytes(4), 0)),
        "socks5-bad-atyp": hs(F_SOCKS5, 0, b"\x05\x00\x05\x00\x00\x02" + bytes(8)),
        "socks5-garbage": hs(F_SOCKS5, 0, b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        "socks5-bind-two-replies": hs(F_SOCKS5, G_BIND | G_SECOND,
                                      b"\x05\x00" + s5_reply(0, 1, IPV4, 4000) + ok5),
        "socks5-udp-associate": hs(F_SOCKS5, G_UDP,
                                   b"\x05\x00" + s5_reply(0, 1, bytes([127, 0, 0, 1]), 5353)),
        "socks5-bad-command": hs(F_SOCKS5, G_BADCMD, b"\x05\x00" + ok5),
        "socks5-inprogress": hs(F_SOCKS5 | F_INPROGRESS, 0, b"\x05\x00" + ok5,
                                bytes([C_AGAIN2, chunk(3), C_AGAIN])),
        "socks5-eintr-connect": hs(F_SOCKS5 | F_EINTR, 0, b"\x05\x00" + ok5),
        "socks5-refused-connect": hs(F_SOCKS5 | F_REFUSED, 0, b""),
        "socks5-send-error": hs(F_SOCKS5, 0, b"\x05\x00" + ok5, bytes([C_ERROR])),
        "socks5-reset-midway": hs(F_SOCKS5, G_RESET, b"\x05\x00\x05\x00"),
        "socks5-eof-midway": hs(F_SOCKS5H | F_PIPE, 0, b"\x05\x00\x05\x00\x00\x03\x10abc"),
    }


def dns_query(name, qtype=1, qclass=1, qid=0x1234, flags=0x0100, counts=(1, 0, 0, 0)):
    """Header and one question, RFC 1035 sections 4.1.1 and 4.1.2."""
    labels = b"".join(bytes([len(l)]) + l for l in name.encode().split(b".") if l)
    return (struct.pack(">HHHHHH", qid, flags, *counts) + labels + b"\x00"
            + struct.pack(">HH", qtype, qclass))


def dnsmsg_decode_query():
    opt = b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"
    return {
        "a-example": dns_query("example.com"),
        "aaaa-example": dns_query("example.com", 28),
        "ptr-v4": dns_query("1.0.0.10.in-addr.arpa", 12),
        "mx": dns_query("example.com", 15),
        "class-ch": dns_query("version.bind", 16, 3),
        "root": dns_query("", 2),
        "no-rd": dns_query("example.com", flags=0),
        "edns0-opt": dns_query("example.com", counts=(1, 0, 0, 1)) + opt,
        "long-name": dns_query(".".join(["a" * 63] * 3 + ["b" * 61])),
        "too-long-name": dns_query(".".join(["a" * 63] * 4)),
        "short": dns_query("example.com")[:20],
        "header-only": dns_query("example.com")[:12],
        "response": dns_query("example.com", flags=0x8180),
        "iquery": dns_query("example.com", flags=0x0900),
        "two-questions": dns_query("example.com", counts=(2, 0, 0, 0)),
        "answer-count": dns_query("example.com", counts=(1, 1, 0, 0)),
        "compressed": struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0)
        + b"\xc0\x0c\x00\x01\x00\x01",
        "space-in-label": struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0)
        + b"\x03a b\x00\x00\x01\x00\x01",
    }


def dnsmsg_decode_reverse():
    v6 = ".".join("1" + "0" * 23 + "8bd01002") + ".ip6.arpa"
    return {
        "v4": b"34.216.184.93.in-addr.arpa",
        "v4-upper": b"1.0.0.127.IN-ADDR.ARPA",
        "v4-leading-zero": b"001.0.0.010.in-addr.arpa",
        "v4-three-parts": b"2.3.4.in-addr.arpa",
        "v4-five-parts": b"1.2.3.4.5.in-addr.arpa",
        "v4-over-255": b"1.2.3.256.in-addr.arpa",
        "v4-suffix-only": b".in-addr.arpa",
        "v6": v6.encode(),
        "v6-upper": v6.upper().encode(),
        "v6-31-nibbles": v6[2:].encode(),
        "v6-bad-nibble": ("g" + v6[1:]).encode(),
        "forward-name": b"example.com",
        "empty": b"",
    }


def proxykind_steps():
    """FLAGS (kind, credentials, step) and the proxy's answer."""
    S4, S4A, S5, S5H = 0, 1, 2, 3
    AUTH = 0x04
    GREET, AUTHSTEP, REPLY = 0x00, 0x08, 0x10

    def case(flags, answer):
        return bytes([flags]) + answer

    return {
        "socks5-method-none": case(S5 | GREET, b"\x05\x00"),
        "socks5-method-userpass": case(S5H | AUTH | GREET, b"\x05\x02"),
        "socks5-method-unacceptable": case(S5 | GREET, b"\x05\xff"),
        "socks5-method-not-offered": case(S5 | GREET, b"\x05\x02"),
        "socks5-method-bad-ver": case(S5 | GREET, b"\x04\x00"),
        "socks5-auth-ok": case(S5 | AUTH | AUTHSTEP, b"\x01\x00"),
        "socks5-auth-rejected": case(S5 | AUTH | AUTHSTEP, b"\x01\x01"),
        "socks5-auth-ver5": case(S5H | AUTH | AUTHSTEP, b"\x05\x00"),
        "socks5-reply-ipv4": case(S5 | REPLY, s5_reply(0)),
        "socks5-reply-ipv6": case(S5H | REPLY, s5_reply(0, 4, IPV6, 443)),
        "socks5-reply-name": case(S5H | REPLY, s5_reply(0, 3, b"proxy.example", 4242)),
        "socks5-reply-refused": case(S5 | REPLY, s5_reply(5)),
        "socks5-reply-then-data": case(S5 | REPLY, s5_reply(0) + b"SSH-2.0-"),
        "socks5-reply-bad-atyp": case(S5 | REPLY, b"\x05\x00\x00\x09\x00\x00"),
        "socks5-reply-short": case(S5H | REPLY, s5_reply(0)[:7]),
        "socks4-granted": case(S4 | REPLY, s4_reply(90)),
        "socks4-rejected": case(S4 | REPLY, s4_reply(91)),
        "socks4a-granted-then-data": case(S4A | REPLY, s4_reply(90) + b"HTTP/1.0"),
        "socks4-garbage": case(S4 | REPLY, b"HTTP/1.1 400 Bad Request\r\n"),
        "socks4-no-greeting": case(S4 | GREET, b"\x05\x00"),
    }


def httpconnect_scan():
    """PIECE then an HTTP response (RFC 9110), some followed by tunnel bytes."""
    ok = b"HTTP/1.1 200 Connection established\r\nProxy-agent: x\r\n\r\n"
    return {
        "200-whole": b"\x00" + ok,
        "200-then-tunnel-bytewise": b"\x01" + ok + b"SSH-2.0-OpenSSH\r\n",
        "200-lf-only": b"\x07" + b"HTTP/1.0 200 OK\n\nDATA",
        "100-then-200": b"\x05" + b"HTTP/1.1 100 Continue\r\n\r\n" + ok,
        "407-with-body": b"\x00" + b"HTTP/1.1 407 Proxy Authentication Required\r\n"
        b"Proxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 4\r\n\r\nbody",
        "403-odd-phrase": b"\x03" + b"HTTP/1.1 403 Go\x1b[31maway\r\n\r\n",
        "502-no-phrase": b"\x00" + b"HTTP/1.1 502\r\n\r\n",
        "socks5-answer": b"\x00" + b"\x05\x00",
        "bad-status": b"\x02" + b"HTTP/1.1 20x OK\r\n\r\n",
        "unterminated": b"\x00" + b"HTTP/1.1 200 OK\r\nX-A: b\r\n",
    }


TARGETS = {
    "socks4_decode_reply": socks4_decode_reply,
    "socks5_decode_method": socks5_decode_method,
    "socks5_decode_auth": socks5_decode_auth,
    "socks5_decode_reply": socks5_decode_reply,
    "socks5_decode_udp_header": socks5_decode_udp_header,
    "proxyurl_parse": proxyurl_parse,
    "noproxy_parse": noproxy_parse,
    "hoststab_parse": hoststab_parse,
    "handshake_step": handshake_step,
    "udpframe_parse": udpframe_parse,
    "dnsmsg_decode_query": dnsmsg_decode_query,
    "dnsmsg_decode_reverse": dnsmsg_decode_reverse,
    "proxykind_steps": proxykind_steps,
    "httpconnect_scan": httpconnect_scan,
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for target, make in TARGETS.items():
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        seeds = make()
        for name in os.listdir(d):
            if name not in seeds:
                os.remove(os.path.join(d, name))
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%s: %d seeds" % (target, len(seeds)))


if __name__ == "__main__":
    main()
