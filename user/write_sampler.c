// SPDX-License-Identifier: GPL-2.0
/* Write samples of fast-tier pages from soft-dirty bits; see write_sampler.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "write_sampler.h"

#define PAGEMAP_CHUNK 4096 /* entries per pread: 32 KiB */

/* A run of page frames on one node, from contiguous memory blocks. */
struct pfn_run {
	uint64_t start, end; /* [start, end) */
	int node;
};

struct write_sampler {
	char sysfs[256];
	struct pfn_run *runs; /* sorted by start, disjoint */
	size_t nr_runs;
	uint64_t *buf; /* PAGEMAP_CHUNK entries */
	uint64_t unknown; /* present pages of frames no node's memory block holds */
	long page_size;
	unsigned int page_shift;
};

static int cmp_run(const void *a, const void *b)
{
	const struct pfn_run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int add_run(struct pfn_run **runs, size_t *nr, size_t *cap, uint64_t start, uint64_t end,
		   int node)
{
	if (*nr == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct pfn_run *r = realloc(*runs, c * sizeof(*r));

		if (!r)
			return -ENOMEM;
		*runs = r;
		*cap = c;
	}
	(*runs)[(*nr)++] = (struct pfn_run){ .start = start, .end = end, .node = node };
	return 0;
}

/* The memory blocks of every node, merged into runs. Memory hotplug (daxctl) adds blocks. */
static int read_pfn_map(struct write_sampler *s, char *why, size_t why_len)
{
	struct pfn_run *runs = NULL;
	size_t nr = 0, cap = 0, i, out;
	unsigned long long block_bytes = 0;
	uint64_t pages_per_block;
	char path[512];
	FILE *f;
	int node, err = 0;

	snprintf(path, sizeof(path), "%s/devices/system/memory/block_size_bytes", s->sysfs);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%llx", &block_bytes) != 1 || block_bytes < (uint64_t)s->page_size) {
		err = f ? -EINVAL : -errno;
		snprintf(why, why_len, "cannot read the memory block size from %s: %s", path,
			 strerror(-err));
		if (f)
			fclose(f);
		return err;
	}
	fclose(f);
	pages_per_block = block_bytes / (uint64_t)s->page_size;
	for (node = 0; node < 1024; node++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/devices/system/node/node%d", s->sysfs, node);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			unsigned long long blk;
			char *end;

			if (strncmp(de->d_name, "memory", 6))
				continue;
			errno = 0;
			blk = strtoull(de->d_name + 6, &end, 10);
			if (end == de->d_name + 6 || *end || errno)
				continue;
			err = add_run(&runs, &nr, &cap, blk * pages_per_block,
				      (blk + 1) * pages_per_block, node);
			if (err)
				break;
		}
		closedir(d);
		if (err) {
			snprintf(why, why_len, "out of memory reading %s", path);
			free(runs);
			return err;
		}
	}
	if (!nr) {
		snprintf(why, why_len, "no memory blocks under %s/devices/system/node", s->sysfs);
		return -ENOENT;
	}
	qsort(runs, nr, sizeof(*runs), cmp_run);
	for (i = 1, out = 0; i < nr; i++) {
		if (runs[i].start == runs[out].end && runs[i].node == runs[out].node)
			runs[out].end = runs[i].end;
		else
			runs[++out] = runs[i];
	}
	free(s->runs);
	s->runs = runs;
	s->nr_runs = out + 1;
	return 0;
}

int write_sampler_create(const char *sysfs, struct write_sampler **out, char *why, size_t why_len)
{
	struct write_sampler *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	s->page_size = sysconf(_SC_PAGESIZE);
	s->page_shift = (unsigned int)__builtin_ctzl((unsigned long)s->page_size);
	snprintf(s->sysfs, sizeof(s->sysfs), "%s", sysfs);
	s->buf = malloc(PAGEMAP_CHUNK * sizeof(*s->buf));
	if (!s->buf) {
		snprintf(why, why_len, "out of memory");
		err = -ENOMEM;
		goto fail;
	}
	err = read_pfn_map(s, why, why_len);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	write_sampler_destroy(s);
	return err;
}

void write_sampler_destroy(struct write_sampler *s)
{
	if (!s)
		return;
	free(s->runs);
	free(s->buf);
	free(s);
}

int write_sampler_pfn_node(const struct write_sampler *s, uint64_t pfn)
{
	size_t lo = 0, hi = s->nr_runs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfn < s->runs[mid].start)
			hi = mid;
		else if (pfn >= s->runs[mid].end)
			lo = mid + 1;
		else
			return s->runs[mid].node;
	}
	return -1;
}

int write_sampler_probe(char *why, size_t why_len)
{
	long psz = sysconf(_SC_PAGESIZE);
	volatile char *p;
	uint64_t clean, dirty;
	int fd, err = 0;

	p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		snprintf(why, why_len, "mmap: %s", strerror(-err));
		return err;
	}
	p[0] = 1;
	fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "4", 1) != 1) {
		err = -errno;
		snprintf(why, why_len, "cannot write /proc/self/clear_refs: %s", strerror(-err));
		goto out;
	}
	clean = pagemap_entry(0, (uintptr_t)p);
	p[0] = 2;
	dirty = pagemap_entry(0, (uintptr_t)p);
	if (!(clean & PAGEMAP_PRESENT) || (clean & PAGEMAP_SOFT_DIRTY) ||
	    !(dirty & PAGEMAP_SOFT_DIRTY)) {
		err = -EOPNOTSUPP;
		snprintf(why, why_len,
			 "the kernel keeps no soft-dirty bits (CONFIG_MEM_SOFT_DIRTY)");
	}
out:
	if (fd >= 0)
		close(fd);
	munmap((void *)p, (size_t)psz);
	return err;
}

/* Open /proc/PID/@name, then check that PID still names @id: a recycled PID is another process. */
static int open_proc(const struct proc_ident *id, const char *name, int flags)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)id->tgid, name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = proc_ident_same(id);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int write_sampler_arm(struct write_sampler *s, const struct proc_ident *id)
{
	int fd = open_proc(id, "clear_refs", O_WRONLY);
	int err = 0;

	(void)s;
	if (fd < 0)
		return fd;
	/* "4": CLEAR_REFS_SOFT_DIRTY */
	if (write(fd, "4", 1) != 1)
		err = errno == EINVAL ? -EOPNOTSUPP : errno == ESRCH ? -ESRCH : -errno;
	close(fd);
	return err;
}

long write_sampler_decode(struct write_sampler *s, const uint64_t *entries, size_t n, uint64_t addr,
			  uint64_t node_mask, write_sample_fn fn, void *ctx)
{
	long reported = 0;
	size_t i;

	for (i = 0; i < n; i++, addr += (uint64_t)s->page_size) {
		uint64_t e = entries[i];
		int node, err;

		/* A shared page (fork, KSM) moves only with MPOL_MF_MOVE_ALL: not ours. */
		if ((e & (PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE)) !=
		    (PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE))
			continue;
		node = write_sampler_pfn_node(s, e & PAGEMAP_PFN_MASK);
		if (node < 0) {
			s->unknown++;
			continue;
		}
		if (node >= 64 || !(node_mask & (1ull << node)))
			continue;
		err = fn(ctx, addr, node, e & PAGEMAP_SOFT_DIRTY);
		if (err)
			return err < 0 ? err : -EINVAL;
		reported++;
	}
	return reported;
}

bool write_sampler_maps_line(const char *line, uint64_t *start, uint64_t *end)
{
	unsigned long long a, b;
	char perms[5];

	if (sscanf(line, "%llx-%llx %4s", &a, &b, perms) != 3 || b <= a)
		return false;
	if (perms[1] != 'w' || perms[3] != 'p')
		return false;
	*start = a;
	*end = b;
	return true;
}

/* The pages of [start, end) through one pagemap fd. */
static long read_range(struct write_sampler *s, int fd, uint64_t start, uint64_t end,
		       uint64_t node_mask, write_sample_fn fn, void *ctx)
{
	long total = 0;

	while (start < end) {
		uint64_t n = (end - start) >> s->page_shift;
		ssize_t got;
		long r;

		if (n > PAGEMAP_CHUNK)
			n = PAGEMAP_CHUNK;
		got = pread(fd, s->buf, n * sizeof(*s->buf),
			    (off_t)((start >> s->page_shift) * sizeof(*s->buf)));
		if (got < 0)
			return errno == ESRCH ? -ESRCH : -errno;
		if (got < (ssize_t)sizeof(*s->buf))
			break; /* past the end of the address space */
		n = (uint64_t)got / sizeof(*s->buf);
		r = write_sampler_decode(s, s->buf, n, start, node_mask, fn, ctx);
		if (r < 0)
			return r;
		total += r;
		start += n << s->page_shift;
	}
	return total;
}

long write_sampler_read(struct write_sampler *s, const struct proc_ident *id, uint64_t node_mask,
			write_sample_fn fn, void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	long total = 0;
	FILE *maps = NULL;
	int fd, mfd, err = 0;

	fd = open_proc(id, "pagemap", O_RDONLY);
	if (fd < 0)
		return fd;
	mfd = open_proc(id, "maps", O_RDONLY);
	if (mfd < 0) {
		err = mfd;
		goto out;
	}
	maps = fdopen(mfd, "re");
	if (!maps) {
		err = -errno;
		close(mfd);
		goto out;
	}
	while (getline(&line, &cap, maps) > 0) {
		uint64_t start, end;
		long r;

		if (!write_sampler_maps_line(line, &start, &end))
			continue;
		r = read_range(s, fd, start, end, node_mask, fn, ctx);
		if (r < 0) {
			err = (int)r;
			goto out;
		}
		total += r;
	}
	if (ferror(maps))
		err = errno == ESRCH ? -ESRCH : -EIO;
out:
	free(line);
	if (maps)
		fclose(maps);
	close(fd);
	if (s->unknown) {
		char why[128];

		/* Memory onlined since (daxctl): the next read knows its frames. */
		s->unknown = 0;
		(void)read_pfn_map(s, why, sizeof(why));
	}
	return err ? err : total;
}
