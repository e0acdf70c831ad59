// SPDX-License-Identifier: GPL-2.0-or-later
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <string.h>

/*
 * Counters live in shared memory: cases run in forked children (so a
 * failing case cannot leak open VFIO groups into the next one) and report
 * their own results.
 */
struct tap_counts {
	int n, failed, skipped;
};
static struct tap_counts tap_local, *tap_c = &tap_local;

#define tap_n (tap_c->n)
#define tap_failed (tap_c->failed)
#define tap_skipped (tap_c->skipped)

void tap_init(void)
{
	void *p = mmap(NULL, sizeof(*tap_c), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		tap_c = p;
}

int tap_selected(const char *name)
{
	const char *only = getenv("VMTEST_ONLY");

	return !only || !*only || strstr(name, only);
}

int tap_run_child(pid_t pid, const char *name)
{
	int status;

	if (pid < 0) {
		tap_diag("%s: fork: %s", name, strerror(errno));
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFSIGNALED(status))
		tap_diag("%s: child killed by signal %d", name, WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Every line of a diagnostic gets the "# " prefix, so TAP stays valid. */
void tap_diag(const char *fmt, ...)
{
	char buf[16384], *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

int tap_result(int ok, const char *name)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d %s\n", ok ? "" : "not ", tap_n, name);
	fflush(stdout);
	return ok;
}

void tap_skip(const char *name, const char *why)
{
	tap_n++;
	tap_skipped++;
	printf("ok %d %s # SKIP %s\n", tap_n, name, why);
	fflush(stdout);
}

int tap_finish(void)
{
	printf("1..%d\n", tap_n);
	printf("# summary: %d cases, %d passed, %d failed, %d skipped\n", tap_n,
	       tap_n - tap_failed - tap_skipped, tap_failed, tap_skipped);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
