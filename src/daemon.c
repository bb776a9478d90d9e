/*
 * daemon.c - pid file, privilege drop, detaching.  Called by main in
 * that order around listening; owns the pid file descriptor and the pipe
 * to the waiting parent.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"

static int pidfile_fd = -1;
static char pidfile_path[4096];
static int ready_fd = -1;	/* write end of the pipe to the parent */

/* Make sure descriptors 0, 1 and 2 are open. */
int
daemon_open_stdio(void)
{
	int fd;

	/* open() returns the lowest free descriptor: each call fills one
	 * gap among 0-2, and the first that lands above 2 is not needed. */
	for (;;) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			return -1;
		if (fd > 2) {
			close(fd);
			return 0;
		}
	}
}

/* Open and lock the pid file; 0, or the exit status for the failure. */
int
pidfile_lock(const char *path, char *err, size_t errsz)
{
	char text[32];
	ssize_t n;

	if (strlen(path) >= sizeof pidfile_path) {
		snprintf(err, errsz, "pidfile %s: name too long", path);
		return EX_CANTCREAT;
	}
	pidfile_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pidfile_fd < 0) {
		snprintf(err, errsz, "pidfile %s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	/* flock, not fcntl: the lock belongs to the open file, so it
	 * survives the fork into the daemon. */
	if (flock(pidfile_fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;

		n = pread(pidfile_fd, text, sizeof text - 1, 0);
		text[n > 0 ? n : 0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		if (saved == EWOULDBLOCK)
			snprintf(err, errsz, "pidfile %s: locked by a running "
			    "sockd (pid %s)", path, text[0] ? text : "?");
		else
			snprintf(err, errsz, "pidfile %s: lock: %s", path,
			    strerror(saved));
		close(pidfile_fd);
		pidfile_fd = -1;
		return saved == EWOULDBLOCK ? EX_UNAVAILABLE : EX_OSERR;
	}
	strcpy(pidfile_path, path);
	/* A start that fails from here on must not leave the file behind. */
	atexit(pidfile_remove);
	return 0;
}

/* Write our pid into the locked pid file. */
int
pidfile_write(char *err, size_t errsz)
{
	char text[32];
	int len;

	if (pidfile_fd < 0)
		return 0;
	len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
	if (ftruncate(pidfile_fd, 0) < 0 ||
	    pwrite(pidfile_fd, text, (size_t)len, 0) != len) {
		snprintf(err, errsz, "pidfile %s: %s", pidfile_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove the pid file at exit. */
void
pidfile_remove(void)
{
	if (pidfile_fd < 0)
		return;
	/* After --user the directory may not be ours: empty it at least,
	 * so no stale pid is left behind. */
	if (unlink(pidfile_path) < 0 && ftruncate(pidfile_fd, 0) < 0)
		(void)0;
	close(pidfile_fd);
	pidfile_fd = -1;
}

/* Become user name with its groups. */
int
drop_privileges(const char *name, char *err, size_t errsz)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(err, errsz, "user %s: %s", name,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errsz, "user %s: %s", name, strerror(errno));
		return -1;
	}
	/* Paranoia: a drop that can be undone is no drop. */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		snprintf(err, errsz, "user %s: could regain root", name);
		return -1;
	}
	return 0;
}

/* Parent side: wait for the child's ready byte or its death. */
static void
wait_for_child(pid_t pid, int fd)
{
	char byte;
	ssize_t n;
	int status;

	do
		n = read(fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* The pipe closed without a word: the child failed; pass on why. */
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(EX_OSERR);
}

/* Detach from the terminal. */
int
daemonize(char *err, size_t errsz)
{
	int pipefd[2], null_fd;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "daemon: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errsz, "daemon: fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pipefd[1]);
		wait_for_child(pid, pipefd[0]);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	if (setsid() < 0 || chdir("/") < 0) {
		snprintf(err, errsz, "daemon: %s", strerror(errno));
		return -1;
	}
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0) {
		snprintf(err, errsz, "daemon: /dev/null: %s", strerror(errno));
		return -1;
	}
	/* stderr follows once the log has somewhere else to go. */
	close(null_fd);
	umask(027);
	return 0;
}

/* Tell the waiting parent that startup succeeded. */
void
daemon_ready(void)
{
	int null_fd;

	if (ready_fd < 0)
		return;
	if (write(ready_fd, "r", 1) < 0)
		(void)0;	/* the parent is gone; nothing to tell */
	close(ready_fd);
	ready_fd = -1;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, 2);
		close(null_fd);
	}
}
