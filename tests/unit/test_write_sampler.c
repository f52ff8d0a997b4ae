// SPDX-License-Identifier: GPL-2.0
/*
 * write_sampler: the frame -> node map from a fake sysfs tree, pagemap
 * decoding, the maps filter, a gone process, and (where the kernel keeps
 * soft-dirty bits and we may read frame numbers) a live window on our own pages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_tree.h"
#include "write_sampler.h"

#define BLOCK_PAGES 32768ull /* 128 MiB blocks of 4 KiB pages */

static void block(int node, int blk)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "devices/system/node/node%d/memory%d", node, blk);
	fake_put(rel, NULL);
}

static int setup(void **state)
{
	fake_tree_create("ws");
	fake_put("devices/system/memory/block_size_bytes", "8000000\n");
	block(0, 0);
	block(0, 1);
	block(0, 3);
	block(1, 2);
	block(1, 8);
	/* not blocks */
	fake_put("devices/system/node/node0/meminfo", "Node 0 MemTotal: 1 kB\n");
	fake_put("devices/system/node/node1/memory_side_cache", NULL);
	return 0;
}

static int teardown(void **state)
{
	return fake_tree_remove();
}

static void test_pfn_map(void **state)
{
	struct write_sampler *s = NULL;
	char why[256] = "";

	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	assert_int_equal(write_sampler_create(fake_root, &s, why, sizeof(why)), 0);
	assert_int_equal(write_sampler_pfn_node(s, 0), 0);
	assert_int_equal(write_sampler_pfn_node(s, 2 * BLOCK_PAGES - 1), 0);
	assert_int_equal(write_sampler_pfn_node(s, 2 * BLOCK_PAGES), 1);
	assert_int_equal(write_sampler_pfn_node(s, 3 * BLOCK_PAGES + 7), 0);
	assert_int_equal(write_sampler_pfn_node(s, 4 * BLOCK_PAGES), -1);
	assert_int_equal(write_sampler_pfn_node(s, 8 * BLOCK_PAGES + 5), 1);
	assert_int_equal(write_sampler_pfn_node(s, 9 * BLOCK_PAGES), -1);
	write_sampler_destroy(s);
	write_sampler_destroy(NULL);

	/* No such tree: an error that names the file. */
	assert_int_equal(write_sampler_create("/nonexistent", &s, why, sizeof(why)), -ENOENT);
	assert_null(s);
	assert_non_null(strstr(why, "/nonexistent/devices/system/memory/block_size_bytes"));
}

struct seen {
	uint64_t addr[16];
	int node[16];
	bool written[16];
	int n;
	int fail_at; /* return -ENOMEM on this call (1-based), 0 never */
};

static int on_page(void *ctx, uint64_t addr, int node, bool written)
{
	struct seen *s = ctx;

	if (s->fail_at && s->n + 1 == s->fail_at)
		return -ENOMEM;
	assert_true(s->n < 16);
	s->addr[s->n] = addr;
	s->node[s->n] = node;
	s->written[s->n] = written;
	s->n++;
	return 0;
}

static void test_decode(void **state)
{
	const uint64_t P = PAGEMAP_PRESENT, X = PAGEMAP_EXCLUSIVE, D = PAGEMAP_SOFT_DIRTY;
	const uint64_t e[] = {
		P | X | D | 5, /* node 0, written */
		P | X | (2 * BLOCK_PAGES + 1), /* node 1, clean */
		P | D | 6, /* shared: not ours to move */
		0, /* not present */
		P | X | D | (4 * BLOCK_PAGES), /* no node holds that frame */
		P | X | (3 * BLOCK_PAGES), /* node 0, clean */
		(1ull << 62) | X, /* swapped */
	};
	const uint64_t base = 0x7f0000000000ull;
	struct write_sampler *s = NULL;
	struct seen seen = { 0 };
	char why[256];

	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	assert_int_equal(write_sampler_create(fake_root, &s, why, sizeof(why)), 0);
	assert_int_equal(write_sampler_decode(s, e, 7, base, 1ull << 0, on_page, &seen), 2);
	assert_int_equal(seen.n, 2);
	assert_true(seen.addr[0] == base && seen.node[0] == 0 && seen.written[0]);
	assert_true(seen.addr[1] == base + 5 * 4096 && seen.node[1] == 0 && !seen.written[1]);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(write_sampler_decode(s, e, 7, base, 3, on_page, &seen), 3);
	assert_true(seen.addr[1] == base + 4096 && seen.node[1] == 1 && !seen.written[1]);

	/* The callback's error stops the walk and comes back. */
	memset(&seen, 0, sizeof(seen));
	seen.fail_at = 2;
	assert_int_equal(write_sampler_decode(s, e, 7, base, 3, on_page, &seen), -ENOMEM);
	assert_int_equal(seen.n, 1);
	write_sampler_destroy(s);
}

static void test_maps_line(void **state)
{
	uint64_t a = 0, b = 0;

	assert_true(write_sampler_maps_line("7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n",
					    &a, &b));
	assert_true(a == 0x7f0000000000ull && b == 0x7f0000100000ull);
	assert_true(write_sampler_maps_line(
		"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]",
		&a, &b));
	/* A private file mapping's copied pages are anonymous memory too. */
	assert_true(write_sampler_maps_line(
		"7f1c2e9f5000-7f1c2e9f7000 rw-p 001f4000 08:01 1234 /usr/lib/libc.so.6", &a, &b));
	assert_false(
		write_sampler_maps_line("7f0000000000-7f0000100000 r--p 00000000 00:00 0", &a, &b));
	assert_false(write_sampler_maps_line("7f0000000000-7f0000100000 rw-s 00000000 00:05 7 "
					     "/dev/shm/x",
					     &a, &b));
	assert_false(write_sampler_maps_line("7f0000100000-7f0000000000 rw-p 0 0:0 0", &a, &b));
	assert_false(write_sampler_maps_line("garbage", &a, &b));
	assert_false(write_sampler_maps_line("", &a, &b));
}

/* A process that exited is -ESRCH, on any kernel. */
static void test_gone(void **state)
{
	struct write_sampler *s = NULL;
	struct proc_ident id;
	struct seen seen = { 0 };
	char why[256];
	pid_t pid;
	int st;

	assert_int_equal(write_sampler_create(fake_root, &s, why, sizeof(why)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		pause();
	assert_int_equal(proc_ident_get(pid, &id), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(write_sampler_arm(s, &id), -ESRCH);
	assert_int_equal(write_sampler_read(s, &id, ~0ull, on_page, &seen), -ESRCH);
	/* Our own PID with another start time: a recycled PID, refused. */
	assert_int_equal(proc_ident_get(getpid(), &id), 0);
	id.start_time++;
	assert_int_equal(write_sampler_arm(s, &id), -ESRCH);
	assert_int_equal(write_sampler_read(s, &id, ~0ull, on_page, &seen), -ESRCH);
	assert_int_equal(seen.n, 0);
	write_sampler_destroy(s);
}

struct live {
	uintptr_t lo, hi;
	int in_range, written;
	bool page_written[4];
};

static int on_live(void *ctx, uint64_t addr, int node, bool written)
{
	struct live *l = ctx;

	if (addr < l->lo || addr >= l->hi)
		return 0;
	l->in_range++;
	l->page_written[(addr - l->lo) / 4096] = written;
	return 0;
}

/* A real window on four of our own pages: the two written in it read as written. */
static void test_live(void **state)
{
	struct write_sampler *s = NULL;
	struct live l = { 0 };
	struct proc_ident id;
	char why[256];
	volatile char *p;
	void *guard;
	int err;

	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	err = write_sampler_probe(why, sizeof(why));
	if (err) {
		print_message("# SKIP: %s\n", why);
		skip();
	}
	if (geteuid() != 0) {
		print_message("# SKIP: page frame numbers need CAP_SYS_ADMIN\n");
		skip();
	}
	assert_int_equal(write_sampler_create("/sys", &s, why, sizeof(why)), 0);
	/*
	 * Between two PROT_NONE guard pages: a mapping made after the clear
	 * (the allocator's, while reading) that merged with ours would mark
	 * the whole VMA soft-dirty (VM_SOFTDIRTY), every page read as written.
	 */
	guard = mmap(NULL, 6 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(guard != MAP_FAILED);
	p = (volatile char *)guard + 4096;
	assert_int_equal(mprotect((void *)p, 4 * 4096, PROT_READ | PROT_WRITE), 0);
	for (int i = 0; i < 4; i++)
		p[i * 4096] = 1;
	assert_int_equal(proc_ident_get(getpid(), &id), 0);
	assert_int_equal(write_sampler_arm(s, &id), 0);
	p[1 * 4096] = 2;
	p[3 * 4096] = 2;
	(void)p[2 * 4096]; /* a read is not seen */
	l.lo = (uintptr_t)p;
	l.hi = l.lo + 4 * 4096;
	assert_true(write_sampler_read(s, &id, ~0ull, on_live, &l) >= 4);
	assert_int_equal(l.in_range, 4);
	assert_false(l.page_written[0]);
	assert_true(l.page_written[1]);
	assert_false(l.page_written[2]);
	assert_true(l.page_written[3]);
	munmap(guard, 6 * 4096);
	write_sampler_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pfn_map),	  cmocka_unit_test(test_decode),
		cmocka_unit_test(test_maps_line), cmocka_unit_test(test_gone),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
