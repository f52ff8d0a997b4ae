/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/PID/pagemap entries (Documentation/admin-guide/mm/pagemap.rst): one
 * 64-bit word per virtual page. Frame numbers read as 0 without
 * CAP_SYS_ADMIN; the flag bits are there for any reader.
 */
#ifndef PAUTONUMA_PAGEMAP_H
#define PAUTONUMA_PAGEMAP_H

#include <stdint.h>
#include <sys/types.h>

#define PAGEMAP_PRESENT (1ull << 63) /* a PROT_NONE (NUMA hinting) PTE is present too */
#define PAGEMAP_EXCLUSIVE (1ull << 56) /* mapped by this process alone */
#define PAGEMAP_SOFT_DIRTY (1ull << 55)
#define PAGEMAP_PFN_MASK ((1ull << 55) - 1)

/* The entry of the page at @addr of process @pid (0: ourselves), or 0 when it cannot be read. */
uint64_t pagemap_entry(pid_t pid, uintptr_t addr);

#endif
