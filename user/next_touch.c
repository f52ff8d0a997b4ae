// SPDX-License-Identifier: GPL-2.0
/*
 * Affinity-on-next-touch decisions (see next_touch.h).
 *
 * Marks are few (a map of PAUTONUMA_NEXT_TOUCH_ENTRIES): a sorted array,
 * searched by process then scanned. Decided pages are as many as the
 * marked pages that were touched: a sorted array too, extended once per
 * interval by a merge, so lookups are binary searches and no per-page
 * allocation happens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "next_touch.h"

/* A page whose node a touch decided. */
struct nt_page {
	uint32_t tgid;
	int32_t to_node;
	uint64_t start_time;
	uint64_t addr;
	uint64_t mark_ns; /* of the mark that was in force: a newer one starts over */
	int32_t from_node; /* node when last seen, -1 unknown */
	uint32_t done; /* moved or found in place: the mark is consumed for it */
};

struct next_touch {
	struct nt_mark *marks; /* by tgid, start_time */
	size_t nr_marks;
	struct nt_page *pages; /* by tgid, addr */
	size_t nr_pages;
};

static int parse_u64(const char *s, const char *stop, uint64_t *v)
{
	char *end;

	if (s == stop || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end != stop ? -EINVAL : 0;
}

int nt_parse_range(const char *s, uint64_t page_size, uint64_t *start, uint64_t *end)
{
	const char *dash;
	uint64_t a, b;

	if (!s || !page_size || (page_size & (page_size - 1)))
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash || parse_u64(s, dash, &a) || parse_u64(dash + 1, dash + 1 + strlen(dash + 1), &b))
		return -EINVAL;
	if (a >= b || (a & (page_size - 1)) || (b & (page_size - 1)))
		return -EINVAL;
	*start = a;
	*end = b;
	return 0;
}

bool nt_ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

int nt_create(struct next_touch **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void nt_destroy(struct next_touch *nt)
{
	if (!nt)
		return;
	free(nt->marks);
	free(nt->pages);
	free(nt);
}

static int cmp_mark(const void *a, const void *b)
{
	const struct nt_mark *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

static int cmp_page(const void *a, const void *b)
{
	const struct nt_page *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

size_t nt_nr_marks(const struct next_touch *nt)
{
	return nt->nr_marks;
}

const struct nt_mark *nt_find_mark(const struct next_touch *nt, uint32_t tgid, uint64_t start_time,
				   uint64_t addr)
{
	const struct nt_mark *best = NULL;
	size_t lo = 0, hi = nt->nr_marks, i;

	/* First mark of (tgid, start_time). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nt_mark *m = &nt->marks[mid];

		if (m->tgid < tgid || (m->tgid == tgid && m->start_time < start_time))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < nt->nr_marks; i++) {
		const struct nt_mark *m = &nt->marks[i];

		if (m->tgid != tgid || m->start_time != start_time || m->start > addr)
			break;
		if (addr < m->end && (!best || m->mark_ns > best->mark_ns))
			best = m;
	}
	return best;
}

static struct nt_page *find_page(const struct next_touch *nt, uint32_t tgid, uint64_t addr)
{
	struct nt_page key = { .tgid = tgid, .addr = addr };

	if (!nt->nr_pages)
		return NULL;
	return bsearch(&key, nt->pages, nt->nr_pages, sizeof(key), cmp_page);
}

/* Is @p still under the mark that decided it? */
static bool page_live(const struct next_touch *nt, const struct nt_page *p)
{
	const struct nt_mark *m = nt_find_mark(nt, p->tgid, p->start_time, p->addr);

	return m && m->mark_ns == p->mark_ns;
}

int nt_set_marks(struct next_touch *nt, const struct nt_mark *marks, size_t n)
{
	struct nt_mark *copy = NULL;
	size_t i, k;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, marks, n * sizeof(*copy));
		qsort(copy, n, sizeof(*copy), cmp_mark);
	}
	free(nt->marks);
	nt->marks = copy;
	nt->nr_marks = n;
	for (i = k = 0; i < nt->nr_pages; i++)
		if (page_live(nt, &nt->pages[i]))
			nt->pages[k++] = nt->pages[i];
	nt->nr_pages = k;
	return 0;
}

/* Merge the sorted, distinct @add (none already in nt->pages) into @dst. */
static void merge_pages(const struct nt_page *a, size_t na, const struct nt_page *add, size_t nadd,
			struct nt_page *dst)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na || j < nadd) {
		if (j == nadd || (i < na && cmp_page(&a[i], &add[j]) < 0))
			dst[k++] = a[i++];
		else
			dst[k++] = add[j++];
	}
}

static int plan_reserve(struct policy_plan *plan, size_t n)
{
	void *p;

	if (plan->cap_moves < n) {
		p = realloc(plan->moves, n * sizeof(*plan->moves));
		if (!p)
			return -ENOMEM;
		plan->moves = p;
		plan->cap_moves = n;
	}
	if (plan->cap_batches < n) {
		p = realloc(plan->batches, n * sizeof(*plan->batches));
		if (!p)
			return -ENOMEM;
		plan->batches = p;
		plan->cap_batches = n;
	}
	return 0;
}

/* New decisions of this interval into @add (sorted, distinct); pending ones refreshed. */
static size_t decide(struct next_touch *nt, const struct nt_fault *faults, size_t n,
		     struct nt_page *add, struct nt_counters *c)
{
	size_t i, nadd = 0, k;

	for (i = 0; i < n; i++) {
		const struct nt_fault *f = &faults[i];
		const struct nt_mark *m;
		struct nt_page *p, np;

		if (f->cpu_node < 0)
			continue;
		m = nt_find_mark(nt, f->tgid, f->start_time, f->addr);
		if (!m || f->last_ns <= m->mark_ns)
			continue; /* not marked, or touched only before the mark */
		p = find_page(nt, f->tgid, f->addr);
		if (p && p->start_time == f->start_time && p->mark_ns == m->mark_ns) {
			/* Decided already: the first touch stands; where it is now is news. */
			if (!p->done && f->node >= 0)
				p->from_node = f->node;
			continue;
		}
		np = (struct nt_page){ .tgid = f->tgid,
				       .to_node = f->cpu_node,
				       .start_time = f->start_time,
				       .addr = f->addr,
				       .mark_ns = m->mark_ns,
				       .from_node = f->node };
		if (p) {
			/* Left by another process or mark (nt_set_marks not called since). */
			*p = np;
			c->decided++;
		} else {
			add[nadd++] = np;
		}
	}
	if (nadd > 1)
		qsort(add, nadd, sizeof(*add), cmp_page);
	/* The same page twice in one interval: one decision (qsort is not stable). */
	for (i = k = 0; i < nadd; i++)
		if (!k || cmp_page(&add[k - 1], &add[i]))
			add[k++] = add[i];
	c->decided += k;
	return k;
}

int nt_plan(struct next_touch *nt, const struct nt_fault *faults, size_t n, uint64_t budget,
	    nt_busy_fn busy, void *ctx, struct policy_plan *plan, struct nt_counters *c)
{
	struct nt_page *add = NULL, *merged = NULL;
	size_t nadd, i, cap;
	int err;

	memset(c, 0, sizeof(*c));
	plan->nr_moves = 0;
	plan->nr_batches = 0;
	c->marks = nt->nr_marks;
	if (!nt->nr_marks && !nt->nr_pages)
		return 0;
	/* Everything that can fail first: then the state changes in one go. */
	cap = nt->nr_pages + n;
	if (n) {
		add = malloc(n * sizeof(*add));
		merged = malloc(cap * sizeof(*merged));
		if (!add || !merged) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	err = plan_reserve(plan, budget < cap ? budget : cap);
	if (err)
		goto cleanup;

	nadd = decide(nt, faults, n, add, c);
	if (nadd) {
		merge_pages(nt->pages, nt->nr_pages, add, nadd, merged);
		free(nt->pages);
		nt->pages = merged;
		nt->nr_pages += nadd;
		merged = NULL;
	}
	for (i = 0; i < nt->nr_pages; i++) {
		struct nt_page *p = &nt->pages[i];

		if (p->done)
			continue;
		if (p->from_node == p->to_node) {
			p->done = 1;
			c->in_place++;
		} else if (plan->nr_moves >= budget) {
			c->deferred_budget++;
		} else if (busy && busy(ctx, p->tgid, p->addr)) {
			c->deferred_busy++;
		} else {
			plan->moves[plan->nr_moves++] = (struct policy_move){
				.tgid = p->tgid,
				.from_node = p->from_node < 0 ? UINT32_MAX : (uint32_t)p->from_node,
				.start_time = p->start_time,
				.addr = p->addr,
				.to_node = (uint32_t)p->to_node,
			};
			p->done = 1;
		}
		c->pending += !p->done;
	}
	c->consumed = nt->nr_pages - c->pending;
	c->planned = plan->nr_moves;
	policy_plan_batch(plan); /* pad 0: by process, destination, address */
cleanup:
	free(merged);
	free(add);
	return err;
}
