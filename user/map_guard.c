// SPDX-License-Identifier: GPL-2.0
/* SIGBUS on a file mapping as an error return, see map_guard.h. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "map_guard.h"

/* The armed range of this thread; the handler runs on the faulting thread. */
static __thread sigjmp_buf *guard_jmp;
static __thread uintptr_t guard_lo, guard_hi;
static __thread volatile uintptr_t guard_fault;

static struct sigaction old_action;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	if (guard_jmp && a >= guard_lo && a < guard_hi) {
		guard_fault = a;
		siglongjmp(*guard_jmp, 1);
	}
	/* Not a guarded access: let the fault repeat under the old disposition. */
	sigaction(SIGBUS, &old_action, NULL);
}

int map_guard_arm(void)
{
	struct sigaction sa, cur;

	if (sigaction(SIGBUS, NULL, &cur))
		return -errno;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	/* NODEFER: SIGBUS stays unblocked, so the jump need not restore the mask. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		return -errno;
	old_action = cur;
	return 0;
}

int map_guard_run(const void *base, size_t len, map_guard_fn fn, void *arg, uintptr_t *fault_addr)
{
	sigjmp_buf jmp;

	/* No mask to save (SA_NODEFER): no sigprocmask call per access. */
	if (sigsetjmp(jmp, 0)) {
		guard_jmp = NULL;
		if (fault_addr)
			*fault_addr = guard_fault;
		return -EFAULT;
	}
	guard_lo = (uintptr_t)base;
	guard_hi = guard_lo + len;
	guard_jmp = &jmp;
	fn(arg);
	guard_jmp = NULL;
	return 0;
}
