// SPDX-License-Identifier: GPL-2.0
/* One interval's hint-fault records summed per page (open addressing). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault_feed.h"
#include "page_hash.h"

/* Pages of the first interval before the table grows (doubles when half full). */
#define FEED_INITIAL_PAGES 4096u

struct fault_feed {
	struct heat_key *keys;
	struct heat_val *vals;
	size_t n, cap; /* pages summed; room in keys and vals */
	size_t max_pages; /* cap grows up to this */
	uint32_t *slot; /* [cap * 2]: index + 1 into keys/vals, 0 empty */
	size_t mask; /* slots - 1: a power of two >= cap * 2 */
	bool taken; /* handed out: empty the table before the next use */
	__u64 lost; /* faults not summed this interval (page limit, no memory) */
};

/* The slot @key's probe starts at. */
static size_t home(const struct fault_feed *ff, const struct heat_key *key)
{
	return page_hash(key->tgid, key->addr >> 12) & ff->mask;
}

static void slot_put(struct fault_feed *ff, size_t i)
{
	size_t h = home(ff, &ff->keys[i]);

	while (ff->slot[h])
		h = (h + 1) & ff->mask;
	ff->slot[h] = (uint32_t)i + 1;
}

/* Room for @cap pages: 0 or -ENOMEM (the feed is then as it was). */
static int feed_grow(struct fault_feed *ff, size_t cap)
{
	struct heat_key *k;
	struct heat_val *v;
	uint32_t *slot;
	size_t i, nslots = 1;

	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	while (nslots < cap * 2) /* a power of two, at most half full */
		nslots <<= 1;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	k = realloc(ff->keys, cap * sizeof(*k));
	if (!k)
		goto nomem;
	ff->keys = k;
	v = realloc(ff->vals, cap * sizeof(*v));
	if (!v)
		goto nomem;
	ff->vals = v;
	free(ff->slot);
	ff->slot = slot;
	ff->cap = cap;
	ff->mask = nslots - 1;
	for (i = 0; i < ff->n; i++)
		slot_put(ff, i);
	return 0;
nomem:
	free(slot);
	return -ENOMEM;
}

int fault_feed_new(size_t max_pages, struct fault_feed **out)
{
	struct fault_feed *ff;

	*out = NULL;
	if (!max_pages || max_pages > UINT32_MAX / 2)
		return -EINVAL;
	ff = calloc(1, sizeof(*ff));
	if (!ff)
		return -ENOMEM;
	ff->max_pages = max_pages;
	if (feed_grow(ff, max_pages < FEED_INITIAL_PAGES ? max_pages : FEED_INITIAL_PAGES)) {
		fault_feed_free(ff);
		return -ENOMEM;
	}
	*out = ff;
	return 0;
}

void fault_feed_free(struct fault_feed *ff)
{
	if (!ff)
		return;
	free(ff->slot);
	free(ff->vals);
	free(ff->keys);
	free(ff);
}

static void feed_restart(struct fault_feed *ff)
{
	if (!ff->taken)
		return;
	memset(ff->slot, 0, (ff->mask + 1) * sizeof(*ff->slot));
	ff->n = 0;
	ff->lost = 0;
	ff->taken = false;
}

/* The page's sums in *@v, made (zero, node unknown) if new: 0, -ENOSPC (max_pages) or -ENOMEM. */
static int page_of(struct fault_feed *ff, const struct heat_key *key, struct heat_val **v)
{
	size_t h = home(ff, key), i;
	int err;

	for (; ff->slot[h]; h = (h + 1) & ff->mask) {
		i = ff->slot[h] - 1;
		if (ff->keys[i].tgid == key->tgid && ff->keys[i].addr == key->addr) {
			*v = &ff->vals[i];
			return 0;
		}
	}
	if (ff->n == ff->cap) {
		if (ff->cap == ff->max_pages)
			return -ENOSPC;
		err = feed_grow(ff, ff->cap * 2 < ff->max_pages ? ff->cap * 2 : ff->max_pages);
		if (err)
			return err;
		return page_of(ff, key, v); /* its slot moved with the table */
	}
	i = ff->n++;
	ff->keys[i] = (struct heat_key){ .tgid = key->tgid, .addr = key->addr };
	ff->vals[i] = (struct heat_val){ .node = -1, .last_cpu_node = -1 };
	ff->slot[h] = (uint32_t)i + 1;
	*v = &ff->vals[i];
	return 0;
}

int fault_feed_add(struct fault_feed *ff, const struct heat_fault *f)
{
	struct heat_val *v;
	__u32 nid;
	int err;

	feed_restart(ff);
	err = page_of(ff, &f->key, &v);
	if (err) {
		ff->lost++;
		return err;
	}
	if (!v->faults || f->ns < v->first_ns)
		v->first_ns = f->ns;
	if (f->ns >= v->last_ns) {
		v->last_ns = f->ns;
		v->last_cpu_node = f->cpu_node;
	}
	v->faults++;
	nid = f->cpu_node < 0 ? 0 : (__u32)f->cpu_node;
	v->faults_by_node[nid < PAUTONUMA_MAX_NODES ? nid : PAUTONUMA_MAX_NODES - 1]++;
	if (f->lat_us) {
		if (!v->lat_faults || f->lat_us < v->lat_min_us)
			v->lat_min_us = f->lat_us;
		if (f->lat_us > v->lat_max_us)
			v->lat_max_us = f->lat_us;
		v->lat_faults++;
	}
	/* As in page_heat: the outcome last seen names the node. */
	if (f->node >= 0) {
		v->node = f->node;
		v->pages = f->pages;
	}
	if (f->flags & PAUTONUMA_TNF_FAULT_LOCAL)
		v->local_faults++;
	if (f->flags & PAUTONUMA_TNF_MIGRATED)
		v->migrate_ok++;
	if (f->flags & PAUTONUMA_TNF_MIGRATE_FAIL)
		v->migrate_fail++;
	return 0;
}

void fault_feed_take(struct fault_feed *ff, struct heat_batch *out)
{
	feed_restart(ff);
	*out = (struct heat_batch){ .keys = ff->keys, .vals = ff->vals, .n = ff->n };
	ff->taken = true;
}

__u64 fault_feed_lost(const struct fault_feed *ff)
{
	return ff->lost;
}
