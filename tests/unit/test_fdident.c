/*
 * Descriptor identities and kinds (core/fdident.c): a kind recorded when a
 * socket is made is answered without the probe, copies take their
 * original's kind, a closed number forgets it, an unknown number is asked
 * about once and then remembered, and a pinned identity is asked once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fdident.h"
#include "tap.h"

static int kind_probes;
static int ident_probes;

/* The kernel of the test: every descriptor is a UDP socket over IPv6. */
static int
fake_kind_probe(int fd, struct fdident_kind *kind)
{
	kind_probes++;
	if (fd == 99)
		return -ENOTSOCK;
	kind->family = AF_INET6;
	kind->type = SOCK_DGRAM;
	kind->protocol = IPPROTO_UDP;
	return 0;
}

static uint64_t
fake_ident_probe(int fd)
{
	ident_probes++;
	return 1000 + (uint64_t)fd;
}

int
main(void)
{
	struct fdident_kind k;

	is_int(fdident_kind_of(3, &k), -ENOSYS, "no probe, nothing recorded: not known");
	fdident_set_kind_probe(fake_kind_probe);

	fdident_kind_made(3, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	is_int(fdident_kind_of(3, &k), 0, "a socket made through the hook is known");
	is_int(k.family, AF_INET, "its family");
	is_int(k.type, SOCK_STREAM, "its type, without SOCK_NONBLOCK and SOCK_CLOEXEC");
	is_int(k.protocol, IPPROTO_TCP, "protocol 0 is what the kernel picks: TCP");
	is_int(kind_probes, 0, "the kernel was not asked");

	fdident_kind_made(4, AF_INET, SOCK_DGRAM, 0);
	is_int(fdident_kind_of(4, &k), 0, "a UDP socket is known");
	is_int(k.protocol, IPPROTO_UDP, "protocol 0 of a datagram socket: UDP");

	fdident_kind_made(5, AF_UNIX, SOCK_SEQPACKET, 0);
	is_int(fdident_kind_of(5, &k), 0, "a UNIX socket is known");
	is_int(k.family, AF_UNIX, "family UNIX");
	is_int(k.type, SOCK_SEQPACKET, "its type");

	fdident_kind_copy(3, 7);
	is_int(fdident_kind_of(7, &k), 0, "a copy is known");
	is_int(k.type, SOCK_STREAM, "with its original's kind");
	is_int(kind_probes, 0, "still not asked");

	fdident_kind_forget(3);
	is_int(fdident_kind_of(3, &k), 0, "a closed number is asked about");
	is_int(kind_probes, 1, "once");
	is_int(k.family, AF_INET6, "and the kernel's answer holds");
	is_int(fdident_kind_of(3, &k), 0, "asked again");
	is_int(kind_probes, 1, "the answer was remembered");

	fdident_kind_made(8, AF_PACKET, SOCK_RAW, 0x300);
	is_int(fdident_kind_of(8, &k), 0, "a packet socket");
	is_int(kind_probes, 2, "is never recorded: the kernel is asked");

	is_int(fdident_kind_of(99, &k), -ENOTSOCK, "not a socket: the probe's error");
	is_int(fdident_kind_of(-1, &k), -EBADF, "a negative number: -EBADF");
	is_int(fdident_kind_of(70000, &k), 0, "beyond the table: asked");

	fdident_kind_made(10, AF_INET, SOCK_STREAM, 0);
	fdident_kind_made(11, AF_INET, SOCK_STREAM, 0);
	fdident_kind_forget_range(10, 10);
	kind_probes = 0;
	fdident_kind_of(11, &k);
	is_int(kind_probes, 0, "a range forgets no number outside it");
	fdident_kind_of(10, &k);
	is_int(kind_probes, 1, "and every number inside it");
	fdident_kind_made(12, AF_INET, SOCK_STREAM, 0);
	fdident_kind_forget_range(12, ~0U);
	fdident_kind_of(12, &k);
	is_int(kind_probes, 2, "up to the last number there is");
	fdident_kind_copy(12, 12);
	fdident_kind_made(13, AF_INET, SOCK_STREAM, 0);
	fdident_kind_copy(99, 13);
	fdident_kind_of(13, &k);
	is_int(kind_probes, 3, "a copy of an unknown number is unknown");

	fdident_set_probe(fake_ident_probe);
	is_int((int)fdident_of(6), 1006, "an identity is the probe's");
	is_int(ident_probes, 1, "asked once");
	fdident_pin(6);
	is_int(ident_probes, 1, "pinning asks nothing yet");
	is_int((int)fdident_of(6), 1006, "pinned: the same");
	is_int((int)fdident_of(6), 1006, "again");
	is_int(ident_probes, 2, "asked once for the pin, not per question");
	is_int((int)fdident_of(9), 1009, "another number is still asked");
	fdident_unpin();
	fdident_of(6);
	is_int(ident_probes, 4, "unpinned: asked again");
	return tap_done();
}
