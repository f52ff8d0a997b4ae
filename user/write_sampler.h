/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write samples of a process's fast-tier pages, from the kernel's soft-dirty
 * bits (CONFIG_MEM_SOFT_DIRTY; Documentation/admin-guide/mm/soft-dirty.rst).
 *
 * Why: the NUMA scanner never arms the fast-tier pages of a single-threaded
 * process running on their node, so they take no hint faults and the daemon
 * cannot tell the hot ones from the cold ones; Debian's 6.1 has neither idle
 * page tracking nor DAMON. Writing "4" to /proc/PID/clear_refs clears every
 * soft-dirty bit and write-protects the pages; the first write to a page
 * after that sets its bit again, which /proc/PID/pagemap shows (bit 55) with
 * the page frame, hence its node. A short window between the two makes the
 * bit a rate test: a page written within it is written about that often or
 * more (the daemon sizes the window so that about half of the sampled pages
 * are). Reads are not seen.
 *
 * Costs: one write-protect fault for the first write to each page after a
 * clear (hot pages: one per interval), a page-table walk for the clear and
 * one for the read. Anything else using soft-dirty on the same process
 * (CRIU's pre-dump) sees its bits cleared.
 */
#ifndef PAUTONUMA_WRITE_SAMPLER_H
#define PAUTONUMA_WRITE_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagemap.h"
#include "proc_ident.h"

struct write_sampler;

/* One sampled page: present, mapped by this process alone, on a node in the mask. */
typedef int (*write_sample_fn)(void *ctx, uint64_t addr, int node, bool written);

/*
 * Read the page frame -> node map from @sysfs ("/sys"; a tree of the same
 * shape in tests: devices/system/memory/block_size_bytes and
 * devices/system/node/nodeN/memoryM). 0 or -errno with @why.
 */
int write_sampler_create(const char *sysfs, struct write_sampler **out, char *why, size_t why_len);
void write_sampler_destroy(struct write_sampler *s);

/*
 * Does this kernel keep soft-dirty bits? Tried on a page of our own: cleared
 * by clear_refs, set again by a write. 0, or -EOPNOTSUPP / -errno with @why.
 */
int write_sampler_probe(char *why, size_t why_len);

/* Node of page frame @pfn, or -1 when no memory block of a node holds it. */
int write_sampler_pfn_node(const struct write_sampler *s, uint64_t pfn);

/*
 * Start a window: clear @id's soft-dirty bits. 0; -ESRCH gone or recycled;
 * -EOPNOTSUPP the kernel has no soft-dirty (clear_refs refuses "4");
 * other -errno (-EACCES: not root).
 */
int write_sampler_arm(struct write_sampler *s, const struct proc_ident *id);

/*
 * End the window: @fn for every present page that @id alone maps, in its
 * private writable mappings, on a node of @node_mask (bit N: node N).
 * Returns the number of pages reported, or -errno (-ESRCH gone or recycled,
 * or what @fn returned).
 */
long write_sampler_read(struct write_sampler *s, const struct proc_ident *id, uint64_t node_mask,
			write_sample_fn fn, void *ctx);

/*
 * The decoding, apart for tests: @n pagemap entries of the pages from
 * @addr on. Returns the pages reported or what @fn returned (< 0). Frames
 * of no known node are counted, and write_sampler_read() then re-reads the
 * map before it returns (memory onlined since).
 */
long write_sampler_decode(struct write_sampler *s, const uint64_t *entries, size_t n, uint64_t addr,
			  uint64_t node_mask, write_sample_fn fn, void *ctx);

/*
 * A line of /proc/PID/maps: true, with the range, for a private writable
 * mapping (anonymous memory, or a private file mapping's copied pages).
 */
bool write_sampler_maps_line(const char *line, uint64_t *start, uint64_t *end);

#endif
