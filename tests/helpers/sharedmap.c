/*
 * One program of a process tree that shares fake addresses: a name is
 * resolved in one process and the address is connected to in another.
 *
 *   sharedmap resolve NAME          print "ADDR <a.b.c.d>" and
 *                                   "SESSION <SOCKSIFY_SESSION or ->"
 *   sharedmap connect ADDR PORT     connect to ADDR:PORT, read one line:
 *                                   "CONNECT-OK <line>" or "CONNECT-FAIL <why>"
 *   sharedmap exec NAME PORT        resolve, then exec "connect ADDR PORT"
 *   sharedmap closed NAME PORT      resolve, fork a child that closes every
 *                                   descriptor from 3 up, then execs connect
 *   sharedmap orphan NAME PORT      resolve, fork a child that waits until
 *                                   this process has exited ("ORPHANED yes"),
 *                                   then execs connect; exit at once
 *
 * The exit status is 0 when the connect (if any) succeeded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
resolve(const char *name, char *addr, size_t cap)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		printf("RESOLVE-FAIL %s\n", gai_strerror(rc));
		return -1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, addr,
		  (socklen_t)cap);
	freeaddrinfo(res);
	printf("ADDR %s\n", addr);
	fflush(stdout);
	return 0;
}

static int
do_connect(const char *addr, const char *port)
{
	struct sockaddr_in sin;
	char line[256];
	size_t n = 0;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		printf("CONNECT-FAIL bad address %s\n", addr);
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		printf("CONNECT-FAIL %s\n", strerror(errno));
		return 1;
	}
	while (n + 1 < sizeof(line)) {
		ssize_t got = read(fd, line + n, 1);

		if (got <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(fd);
	printf("CONNECT-OK %s\n", line);
	return 0;
}

static void
exec_connect(const char *self, const char *addr, const char *port)
{
	char *argv[] = { (char *)self, "connect", (char *)addr, (char *)port, NULL };

	fflush(stdout);
	execv("/proc/self/exe", argv);
	printf("EXEC-FAIL %s\n", strerror(errno));
	exit(1);
}

int
main(int argc, char **argv)
{
	char addr[INET_ADDRSTRLEN];
	pid_t parent;
	pid_t pid;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "resolve") == 0) {
		const char *session = getenv("SOCKSIFY_SESSION");

		if (resolve(argv[2], addr, sizeof(addr)) != 0)
			return 1;
		printf("SESSION %s\n", session ? session : "-");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3]);
	if (argc != 4) {
		fprintf(stderr, "usage: sharedmap resolve|connect|exec|closed|orphan ...\n");
		return 2;
	}
	if (resolve(argv[2], addr, sizeof(addr)) != 0)
		return 1;
	if (strcmp(argv[1], "exec") == 0)
		exec_connect(argv[0], addr, argv[3]);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		return 1;
	if (strcmp(argv[1], "closed") == 0) {
		if (pid == 0) {
			/* What a zygote does: nothing it does not know stays open. */
			for (int fd = 3; fd < 1024; fd++)
				close(fd);
			exec_connect(argv[0], addr, argv[3]);
		}
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (strcmp(argv[1], "orphan") == 0) {
		if (pid == 0) {
			struct timespec tick = { 0, 10 * 1000 * 1000 };

			for (int i = 0; i < 500 && getppid() == parent; i++)
				nanosleep(&tick, NULL);
			printf("ORPHANED %s\n", getppid() != parent ? "yes" : "no");
			exec_connect(argv[0], addr, argv[3]);
		}
		return 0;
	}
	fprintf(stderr, "sharedmap: unknown mode %s\n", argv[1]);
	return 2;
}
