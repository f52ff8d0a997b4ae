// SPDX-License-Identifier: GPL-2.0
/* One pagemap entry; see pagemap.h. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "pagemap.h"

uint64_t pagemap_entry(pid_t pid, uintptr_t addr)
{
	uintptr_t psz = (uintptr_t)sysconf(_SC_PAGESIZE);
	char path[64];
	uint64_t e = 0;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)(addr / psz * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}
