/*
 * fakedns: getaddrinfo() on many distinct names, for a socksifier's remote
 * DNS (fake addresses): lookups per second and peak memory.
 *
 *   fakedns [-n NAMES] [-t SECONDS] [--numeric]
 *
 * Looks up "h0000000.bench.example", "h0000001.bench.example", ... (IPv4,
 * SOCK_STREAM, freeaddrinfo() after each) until NAMES are done (default
 * 100000), the first failure, or SECONDS have passed (default 10; checked
 * every 256 names).  --numeric looks up dotted IPv4 addresses instead, the
 * cheapest getaddrinfo() there is, as a floor that sends nothing anywhere.
 * Prints "RESULT count=C seconds=S rate=R hwm_start_kb=A hwm_end_kb=B
 * name_len=L failed=F": C lookups answered, VmHWM (peak resident set,
 * /proc/self/status) before the first lookup and after the last, L the
 * length of one name (its bytes, without the NUL), F 1 when a lookup failed
 * (then "error=" says how).  Without --numeric nothing here resolves for
 * real: run it only under a tool that answers with fake addresses, or in a
 * network namespace with no route out.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM in kB, or -1. */
static long
vm_hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints, *res;
	char name[64];
	long names = 100000, done = 0, hwm0, hwm1;
	double limit = 10, t0, t;
	const char *error = NULL;
	int numeric = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			names = atol(argv[++i]);
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			limit = atof(argv[++i]);
		} else if (strcmp(argv[i], "--numeric") == 0) {
			numeric = 1;
		} else {
			fprintf(stderr, "usage: fakedns [-n NAMES] [-t SECONDS] [--numeric]\n");
			return 2;
		}
	}
	if (names <= 0 || names > 9999999)
		names = 100000;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hwm0 = vm_hwm_kb();
	t0 = now_s();
	for (done = 0; done < names; done++) {
		if ((done & 255) == 255 && now_s() - t0 > limit)
			break;
		if (numeric)
			snprintf(name, sizeof(name), "10.%ld.%ld.%ld", (done >> 16) & 255,
				 (done >> 8) & 255, done & 255);
		else
			snprintf(name, sizeof(name), "h%07ld.bench.example", done);
		rc = getaddrinfo(name, "80", &hints, &res);
		if (rc != 0) {
			error = gai_strerror(rc);
			break;
		}
		freeaddrinfo(res);
	}
	t = now_s() - t0;
	hwm1 = vm_hwm_kb();
	printf("RESULT count=%ld seconds=%.6f rate=%.1f hwm_start_kb=%ld hwm_end_kb=%ld "
	       "name_len=%zu failed=%d", done, t, (double)done / t, hwm0, hwm1,
	       strlen(numeric ? "10.0.0.0" : "h0000000.bench.example"), error ? 1 : 0);
	if (error) {
		printf(" error=");
		for (const char *p = error; *p; p++)
			putchar(*p == ' ' ? '_' : *p);
	}
	printf("\n");
	return 0;
}
