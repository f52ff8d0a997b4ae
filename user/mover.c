// SPDX-License-Identifier: GPL-2.0
/* The journaled mover: BEGIN -> persist -> move_pages -> COMMIT -> persist. */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crashpoint.h"
#include "mover.h"
#include "pagemap.h"

void mover_init(struct mover *m, struct journal *j)
{
	memset(m, 0, sizeof(*m));
	m->j = j;
	m->move = numa_move_pages;
	m->touch = mover_touch_page;
	m->busy_retries = 3;
	m->page_shift = __builtin_ctzl(sysconf(_SC_PAGESIZE));
	proc_handle_init(&m->target);
}

void mover_fini(struct mover *m)
{
	if (m)
		proc_handle_fini(&m->target);
}

void mover_count(const int *status, uint32_t n, int dst, struct pj_counts *c)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] == dst)
			c->at_dst++;
		else if (status[i] >= 0)
			c->elsewhere++;
		else if (status[i] == -ENOENT)
			c->enoent++;
		else if (status[i] == -EFAULT)
			c->efault++;
		else if (status[i] == -EBUSY)
			c->ebusy++;
		else
			c->other++; /* -ENOMEM, -EACCES, ..., or never reported */
	}
}

/* One move_pages call over the subset @idx of @pages; status lands in place. */
static int move_subset(const struct mover *m, pid_t pid, void **pages, const uint32_t *idx,
		       uint32_t k, int dst, int *status)
{
	void **sub_pages;
	int *sub_nodes = NULL, *sub_status;
	uint32_t i;
	int ret;

	sub_pages = calloc(k, sizeof(*sub_pages));
	sub_status = calloc(k, sizeof(*sub_status));
	if (dst >= 0)
		sub_nodes = calloc(k, sizeof(*sub_nodes));
	if (!sub_pages || !sub_status || (dst >= 0 && !sub_nodes)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < k; i++) {
		sub_pages[i] = pages[idx[i]];
		sub_status[i] = MOVER_STATUS_UNSET;
		if (sub_nodes)
			sub_nodes[i] = dst;
	}
	ret = m->move(pid, k, sub_pages, sub_nodes, sub_status, MPOL_MF_MOVE);
	ret = ret < 0 ? -errno : 0;
	for (i = 0; i < k; i++)
		if (sub_status[i] != MOVER_STATUS_UNSET)
			status[idx[i]] = sub_status[i];
cleanup:
	free(sub_nodes);
	free(sub_status);
	free(sub_pages);
	return ret;
}

static int settle_range(const struct mover *m, pid_t pid, void **pages, uint32_t from, uint32_t to,
			int dst, int *status)
{
	uint32_t *idx, i, k;
	unsigned int attempt;
	int ret;

	idx = calloc(to - from, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = from; i < to; i++) {
		status[i] = MOVER_STATUS_UNSET;
		idx[i - from] = i;
	}
	ret = move_subset(m, pid, pages, idx, to - from, dst, status);
	if (ret)
		goto cleanup;
	/* -EBUSY is transient (page locked, under writeback, pinned briefly). */
	for (attempt = 0; dst >= 0 && attempt < m->busy_retries; attempt++) {
		for (k = 0, i = from; i < to; i++)
			if (status[i] == -EBUSY || status[i] == -EAGAIN)
				idx[k++] = i;
		if (!k)
			break;
		usleep(1000u << attempt);
		ret = move_subset(m, pid, pages, idx, k, dst, status);
		if (ret)
			goto cleanup;
	}
	/* Absent may mean PROT_NONE under NUMA hinting: fault them in, ask once more. */
	if (m->touch) {
		for (k = 0, i = from; i < to; i++)
			if (status[i] == -ENOENT) {
				m->touch(pid, pages[i]);
				idx[k++] = i;
			}
		if (k) {
			ret = move_subset(m, pid, pages, idx, k, dst, status);
			if (ret)
				goto cleanup;
		}
	}
	/*
	 * A positive return means some pages were not migrated and their status
	 * may not be filled in: ask where they are now (nodes = NULL).
	 */
	for (k = 0, i = from; i < to; i++)
		if (status[i] == MOVER_STATUS_UNSET)
			idx[k++] = i;
	if (k)
		ret = move_subset(m, pid, pages, idx, k, -1, status);
cleanup:
	free(idx);
	return ret;
}

void mover_touch_page(int pid, void *addr)
{
	char byte;
	struct iovec local = { .iov_base = &byte, .iov_len = 1 };
	struct iovec remote = { .iov_base = addr, .iov_len = 1 };

	/*
	 * Only a page that is there (pagemap "present": a PROT_NONE PTE is)
	 * is touched: reading a never-touched page would map the zero page.
	 */
	if (!pid || !(pagemap_entry(pid, (uintptr_t)addr) & PAGEMAP_PRESENT))
		return;
	/* Failure (unmapped, gone) leaves the page as move_pages saw it. */
	(void)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

int mover_settle(const struct mover *m, pid_t pid, void **pages, uint32_t n, int dst, int *status,
		 const char *half_step)
{
	uint32_t half = n / 2;
	int ret;

	/* The crash tests need a kill with part of the batch moved. */
	if (half_step && dst >= 0 && half && crash_point_armed(half_step)) {
		ret = settle_range(m, pid, pages, 0, half, dst, status);
		if (ret)
			return ret;
		crash_point(half_step);
		return settle_range(m, pid, pages, half, n, dst, status);
	}
	return settle_range(m, pid, pages, 0, n, dst, status);
}

int mover_move_batch(struct mover *m, const struct proc_ident *id, uint64_t addr, uint32_t npages,
		     int dst, struct batch_result *res)
{
	struct pj_record rec;
	int *status = NULL;
	void **pages = NULL;
	int64_t seq;
	uint32_t i;
	int err, qerr;

	memset(res, 0, sizeof(*res));
	if (!npages || npages > MOVER_MAX_BATCH || dst < 0 || addr & ((1ULL << m->page_shift) - 1))
		return -EINVAL;
	pages = calloc(npages, sizeof(*pages));
	status = calloc(npages, sizeof(*status));
	if (!pages || !status) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < npages; i++)
		pages[i] = (void *)(uintptr_t)(addr + ((uint64_t)i << m->page_shift));

	/* A PID that now names another process is never touched. */
	err = proc_handle_check(&m->target, id);
	if (err)
		goto cleanup;

	memset(&rec, 0, sizeof(rec));
	rec.type = PJ_BEGIN;
	rec.u.begin.tgid = id->tgid;
	rec.u.begin.dst_node = dst;
	rec.u.begin.start_time = id->start_time;
	rec.u.begin.addr = addr;
	rec.u.begin.npages = npages;
	rec.u.begin.page_shift = m->page_shift;
	seq = journal_append(m->j, &rec);
	if (seq < 0) {
		err = seq;
		goto cleanup;
	}
	res->begin_seq = seq;
	/* Nothing moves before its BEGIN is durable: journal_append persisted it. */
	crash_point("begin-persisted");

	err = mover_settle(m, id->tgid, pages, npages, dst, status, "in-move");
	crash_point("moved");

	memset(&rec, 0, sizeof(rec));
	rec.u.commit.begin_seq = res->begin_seq;
	if (err) {
		/*
		 * Whole-call failure (ESRCH, ENODEV, EPERM, EACCES, a zombie's
		 * EINVAL): record where the pages are if we can still ask.
		 */
		res->err = -err;
		qerr = mover_settle(m, id->tgid, pages, npages, -1, status, NULL);
		if (qerr)
			for (i = 0; i < npages; i++)
				status[i] = MOVER_STATUS_UNSET;
		rec.type = PJ_ABORT;
		rec.err = -err;
	} else {
		rec.type = PJ_COMMIT;
	}
	mover_count(status, npages, dst, &rec.u.commit.c);
	res->c = rec.u.commit.c;
	seq = journal_append(m->j, &rec);
	if (seq < 0) {
		err = seq;
		goto cleanup;
	}
	crash_point(rec.type == PJ_COMMIT ? "commit-persisted" : "abort-persisted");
cleanup:
	free(status);
	free(pages);
	return err;
}

static void counts_add(struct pj_counts *sum, const struct pj_counts *c)
{
	sum->at_dst += c->at_dst;
	sum->elsewhere += c->elsewhere;
	sum->enoent += c->enoent;
	sum->efault += c->efault;
	sum->ebusy += c->ebusy;
	sum->other += c->other;
}

/* Resolve the BEGINs of a group that never got to move_pages: nothing moved. */
static void abort_unmoved(struct mover *m, const int64_t *seqs, uint32_t n, int err)
{
	struct pj_record rec;
	uint32_t r;

	for (r = 0; r < n; r++) {
		memset(&rec, 0, sizeof(rec));
		rec.type = PJ_ABORT;
		rec.err = -err;
		rec.u.commit.begin_seq = (uint64_t)seqs[r];
		rec.u.commit.c.other = 0;
		if (journal_append(m->j, &rec) < 0)
			return; /* recovery resolves the rest */
	}
}

int mover_move_pages(struct mover *m, const struct proc_ident *id, const uint64_t *addrs,
		     uint32_t npages, int dst, struct batch_result *res, int *status_out)
{
	uint64_t pmask = (1ULL << m->page_shift) - 1;
	uint32_t i, r, nruns = 0, *run_first = NULL;
	int64_t *seqs = NULL, seq;
	struct pj_record rec;
	int *status = NULL;
	void **pages = NULL;
	int err, qerr;

	memset(res, 0, sizeof(*res));
	if (!npages || npages > MOVER_MAX_BATCH || dst < 0)
		return -EINVAL;
	for (i = 0; i < npages; i++)
		if (addrs[i] & pmask || (i && addrs[i] <= addrs[i - 1]))
			return -EINVAL;
	pages = calloc(npages, sizeof(*pages));
	status = calloc(npages, sizeof(*status));
	run_first = calloc(npages + 1, sizeof(*run_first));
	seqs = calloc(npages, sizeof(*seqs));
	if (!pages || !status || !run_first || !seqs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < npages; i++) {
		pages[i] = (void *)(uintptr_t)addrs[i];
		if (!i || addrs[i] != addrs[i - 1] + pmask + 1)
			run_first[nruns++] = i;
	}
	run_first[nruns] = npages;

	err = proc_handle_check(&m->target, id);
	if (err)
		goto cleanup;

	/* One BEGIN per contiguous run (the record's extent), all durable first. */
	for (r = 0; r < nruns; r++) {
		memset(&rec, 0, sizeof(rec));
		rec.type = PJ_BEGIN;
		rec.u.begin.tgid = id->tgid;
		rec.u.begin.dst_node = dst;
		rec.u.begin.start_time = id->start_time;
		rec.u.begin.addr = addrs[run_first[r]];
		rec.u.begin.npages = run_first[r + 1] - run_first[r];
		rec.u.begin.page_shift = m->page_shift;
		seq = journal_append(m->j, &rec);
		if (seq < 0) {
			err = (int)seq;
			abort_unmoved(m, seqs, r, err);
			goto cleanup;
		}
		seqs[r] = seq;
	}
	res->begin_seq = (uint64_t)seqs[0];
	crash_point("begin-persisted");

	/* One move_pages(2) for the whole group: the cost is per call, not per page. */
	err = mover_settle(m, id->tgid, pages, npages, dst, status, "in-move");
	crash_point("moved");
	if (err) {
		res->err = -err;
		qerr = mover_settle(m, id->tgid, pages, npages, -1, status, NULL);
		if (qerr)
			for (i = 0; i < npages; i++)
				status[i] = MOVER_STATUS_UNSET;
	}
	for (r = 0; r < nruns; r++) {
		memset(&rec, 0, sizeof(rec));
		rec.type = err ? PJ_ABORT : PJ_COMMIT;
		rec.err = -err;
		rec.u.commit.begin_seq = (uint64_t)seqs[r];
		mover_count(status + run_first[r], run_first[r + 1] - run_first[r], dst,
			    &rec.u.commit.c);
		counts_add(&res->c, &rec.u.commit.c);
		seq = journal_append(m->j, &rec);
		if (seq < 0) {
			err = (int)seq;
			goto cleanup;
		}
	}
	crash_point(err ? "abort-persisted" : "commit-persisted");
	if (status_out)
		memcpy(status_out, status, npages * sizeof(*status));
cleanup:
	free(seqs);
	free(run_first);
	free(status);
	free(pages);
	return err;
}
