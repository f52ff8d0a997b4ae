// SPDX-License-Identifier: GPL-2.0
/* Recovery of batches left in flight by a crash. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"
#include "errmsg.h"
#include "recovery.h"

/* Decide and, if it is still the same process, finish one batch. */
static void resolve(struct mover *m, const struct pj_record *begin, struct pj_record *rec)
{
	const struct pj_begin *b = &begin->u.begin;
	struct proc_ident id = { .tgid = b->tgid, .start_time = b->start_time }, now;
	uint32_t i, n = b->npages;
	void **pages = NULL;
	int *status = NULL;
	int err;

	memset(rec, 0, sizeof(*rec));
	rec->type = PJ_RECOVERED;
	rec->u.commit.begin_seq = begin->seq;

	err = proc_ident_get(id.tgid, &now);
	if (err == -ESRCH) {
		rec->outcome = PJ_ABANDONED_GONE;
		return;
	}
	if (!err && now.start_time != id.start_time) {
		/* The PID was recycled: those pages belong to someone else now. */
		rec->outcome = PJ_ABANDONED_RECYCLED;
		return;
	}
	if (err)
		goto fail;
	pages = calloc(n, sizeof(*pages));
	status = calloc(n, sizeof(*status));
	if (!pages || !status) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++)
		pages[i] = (void *)(uintptr_t)(b->addr + ((uint64_t)i << b->page_shift));
	/*
	 * Roll forward: moving pages already at the destination is a no-op, so
	 * one move_pages over the whole batch finishes whatever the crash cut
	 * short.  move_pages takes a PID, not a pidfd: the identity check above
	 * and the call are microseconds apart, the same window as the mover's.
	 */
	err = mover_settle(m, id.tgid, pages, n, b->dst_node, status, "recover-in-move");
	if (!err) /* where they really are */
		err = mover_settle(m, id.tgid, pages, n, -1, status, NULL);
	if (err == -ESRCH || err == -EINVAL) {
		/* Exited (or became a zombie) between the identity check and now. */
		rec->outcome = PJ_ABANDONED_GONE;
		goto cleanup;
	}
	if (err)
		goto fail;
	mover_count(status, n, b->dst_node, &rec->u.commit.c);
	rec->outcome = PJ_ROLLED_FORWARD;
	goto cleanup;
fail:
	rec->outcome = PJ_ABANDONED_ERROR;
	rec->err = -err;
cleanup:
	free(status);
	free(pages);
}

int recovery_run(struct mover *m, struct recovery_stats *st, FILE *out)
{
	struct journal *j = m->j;
	struct pj_record begin_rec, *begin = &begin_rec;
	const struct pj_counts *c;
	struct pj_record rec;
	uint64_t *open = NULL;
	size_t i, nopen;
	int64_t seq;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (j->scan.corrupt) {
		pa_err("journal %s: %s; not recovering", j->path, j->scan.why);
		return -EUCLEAN;
	}
	/* Appending RECOVERED shrinks j->open: work on a copy. */
	nopen = j->nopen;
	if (!nopen)
		return 0;
	open = malloc(nopen * sizeof(*open));
	if (!open)
		return -ENOMEM;
	memcpy(open, j->open, nopen * sizeof(*open));
	st->open = nopen;
	for (i = 0; i < nopen; i++) {
		err = journal_read(j, open[i], begin);
		if (err == -EBADFD)
			goto cleanup; /* the mapping faulted: journal_read said why */
		if (err || begin->type != PJ_BEGIN) {
			/* The scan put it on the open list: it must be there. */
			pa_err("journal %s: open batch %" PRIu64 " vanished", j->path, open[i]);
			err = -EUCLEAN;
			goto cleanup;
		}
		resolve(m, begin, &rec);
		crash_point("recover-resolved");
		seq = journal_append(j, &rec);
		if (seq == -EBADFD) {
			err = seq; /* said why */
			goto cleanup;
		}
		if (seq < 0) {
			err = seq;
			pa_err("journal %s: append RECOVERED for batch %" PRIu64 ": %s", j->path,
			       open[i], strerror(-err));
			goto cleanup;
		}
		crash_point("recover-persisted");
		if (rec.outcome == PJ_ROLLED_FORWARD)
			st->rolled_forward++;
		else
			st->abandoned++;
		c = &rec.u.commit.c;
		if (out)
			fprintf(out,
				"batch %" PRIu64 ": pid %u, %u pages at 0x%" PRIx64
				" -> node %d: %s%s%s; %u at node %d, %u elsewhere, %u not present, %u efault, %u busy, %u other\n",
				open[i], begin->u.begin.tgid, begin->u.begin.npages,
				begin->u.begin.addr, begin->u.begin.dst_node,
				pj_outcome_name(rec.outcome), rec.err ? ": " : "",
				rec.err ? strerror(rec.err) : "", c->at_dst,
				begin->u.begin.dst_node, c->elsewhere, c->enoent, c->efault,
				c->ebusy, c->other);
	}
cleanup:
	free(open);
	return err;
}
