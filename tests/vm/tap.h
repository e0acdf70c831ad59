/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TAP output for the VM test program: "ok N name" / "not ok N name", then
 * the plan and a summary line.  Diagnostics start with "# ".
 */
#ifndef VFMIG_VM_TAP_H
#define VFMIG_VM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

/* Puts the counters in shared memory; call once before any fork. */
void tap_init(void);
/*
 * Whether a case runs: all of them, unless VMTEST_ONLY names a substring of
 * the case name (to rerun one case by hand: vfmig.only= on the guest's
 * command line).
 */
int tap_selected(const char *name);
/* Waits for a case child; 1 when it exited 0. */
int tap_run_child(pid_t pid, const char *name);

/*
 * Runs expr (a case body returning 1 pass / 0 fail) in a child process with
 * a time limit and records the result under name.  All fds the body opens
 * die with the child, so one failing case cannot break the next.
 */
#define RUN_CASE(name, expr)                                            \
	do {                                                            \
		pid_t _pid;                                             \
		if (!tap_selected(name))                                \
			break;                                          \
		fflush(stdout);                                         \
		_pid = fork();                                          \
		if (_pid == 0) {                                        \
			int _ok;                                        \
			alarm(120);                                     \
			_ok = (expr);                                   \
			fflush(stdout);                                 \
			_exit(_ok ? 0 : 1);                             \
		}                                                       \
		tap_result(tap_run_child(_pid, name), name);            \
	} while (0)

/* Runs a whole group (which reports its own results) in a child. */
#define RUN_GROUP(name, call)                                           \
	do {                                                            \
		pid_t _pid;                                             \
		if (!tap_selected(name))                                \
			break;                                          \
		fflush(stdout);                                         \
		_pid = fork();                                          \
		if (_pid == 0) {                                        \
			alarm(300);                                     \
			call;                                           \
			fflush(stdout);                                 \
			_exit(0);                                       \
		}                                                       \
		if (!tap_run_child(_pid, name))                         \
			tap_result(0, name " (group aborted)");          \
	} while (0)

void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records one case; returns ok so callers can chain. */
int tap_result(int ok, const char *name);
void tap_skip(const char *name, const char *why);
/* Prints plan and summary; returns the process exit code. */
int tap_finish(void);

/*
 * Case bodies fail through CHECK: log where and why, and return 0 from the
 * enclosing function (which returns int: 1 pass, 0 fail).
 */
#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			tap_diag("%s:%d: check failed: %s", __FILE__,   \
				 __LINE__, #cond);                      \
			tap_diag(__VA_ARGS__);                          \
			return 0;                                       \
		}                                                       \
	} while (0)

#endif
