// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the mover and of recovery against a simulated move_pages,
 * and the power-loss replay harness: every persisted range is recorded in
 * order, and the journal is rebuilt as a power cut after each of them would
 * leave it; recovery must be consistent at every one.  With one persist
 * removed the harness must find the inconsistency.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "mover.h"
#include "proc_ident.h"
#include "recovery.h"

#define NP 32 /* pages of the simulated process */
#define BASE 0x7f0000000000ULL
#define NODES 2

/* ------------------------------------------------ simulated move_pages */

static struct {
	int node[NP]; /* -1: not present */
	int busy[NP]; /* how many more calls the page answers -EBUSY */
	bool unset[NP]; /* move: leave status alone and count it as not moved */
	bool protnone[NP]; /* PROT_NONE under NUMA hinting: looks absent until touched */
	unsigned int touches;
	int whole_err; /* fail the whole call with this errno */
	unsigned int calls;
} fk;

static void (*on_page_moved)(void); /* the harness records each page move */

static int fake_move(int pid, unsigned long count, void **pages, const int *nodes, int *status,
		     int flags)
{
	unsigned long i, idx, not_moved = 0;

	fk.calls++;
	if (fk.whole_err) {
		errno = fk.whole_err;
		return -1;
	}
	/* The kernel checks every target node before moving anything. */
	for (i = 0; nodes && i < count; i++)
		if (nodes[i] < 0 || nodes[i] >= NODES) {
			errno = ENODEV;
			return -1;
		}
	for (i = 0; i < count; i++) {
		uint64_t a = (uintptr_t)pages[i];

		idx = (a - BASE) >> 12;
		if (a < BASE || idx >= NP) {
			status[i] = -EFAULT;
			continue;
		}
		if (fk.node[idx] < 0 || fk.protnone[idx]) {
			status[i] = -ENOENT;
			continue;
		}
		if (!nodes) {
			status[i] = fk.node[idx];
			continue;
		}
		if (fk.unset[idx]) {
			not_moved++;
			continue;
		}
		if (fk.busy[idx]) {
			fk.busy[idx]--;
			status[i] = -EBUSY;
			continue;
		}
		if (fk.node[idx] != nodes[i]) {
			fk.node[idx] = nodes[i];
			if (on_page_moved)
				on_page_moved();
		}
		status[i] = nodes[i];
	}
	return not_moved;
}

static void fake_reset(void)
{
	int i;

	memset(&fk, 0, sizeof(fk));
	for (i = 0; i < NP; i++)
		fk.node[i] = 0;
}

static void persist_nop(const void *addr, size_t len)
{
}

static uint8_t *make_image(uint64_t n, size_t *len)
{
	static const uint8_t uuid[16] = { 7 };
	struct pj_header h;
	uint8_t *img;

	*len = PJ_HEADER_SIZE + n * PJ_RECORD_SIZE;
	img = aligned_alloc(64, *len);
	assert_non_null(img);
	memset(img, 0, *len);
	assert_int_equal(pj_header_init(&h, *len, 0xabcdu, uuid), 0);
	memcpy(img, &h, sizeof(h));
	return img;
}

static struct proc_ident self(void)
{
	struct proc_ident id;

	assert_int_equal(proc_ident_get(getpid(), &id), 0);
	return id;
}

/* Reading a byte of a PROT_NONE page runs its hint fault: present again. */
static void fake_touch(int pid, void *addr)
{
	uint64_t idx = ((uintptr_t)addr - BASE) >> 12;

	fk.touches++;
	if ((uintptr_t)addr >= BASE && idx < NP)
		fk.protnone[idx] = false;
}

static void fake_mover(struct mover *m, struct journal *j)
{
	mover_init(m, j);
	m->move = fake_move;
	m->touch = fake_touch;
	m->page_shift = 12;
}

static const struct pj_record *rec_at(uint8_t *img, uint64_t n, uint64_t seq)
{
	return &((struct pj_record *)(img + PJ_HEADER_SIZE))[seq % n];
}

/* ------------------------------------------------ proc_ident */

static void test_proc_ident(void **state)
{
	struct proc_ident id, again;
	siginfo_t info;
	char state_c;
	pid_t pid;
	uint64_t st;

	/* comm with spaces and ')' must not shift the fields. */
	assert_int_equal(
		proc_ident_parse_stat("123 (a b) c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
				      "16 17 18 4242 19 20",
				      &pid, &state_c, &st),
		0);
	assert_int_equal(pid, 123);
	assert_int_equal(state_c, 'S');
	assert_int_equal(st, 4242);
	assert_int_equal(proc_ident_parse_stat("123 (x) S 1 2", &pid, &state_c, &st), -EINVAL);
	assert_int_equal(proc_ident_parse_stat("garbage", &pid, &state_c, &st), -EINVAL);

	id = self();
	assert_int_equal(id.tgid, getpid());
	assert_int_equal(proc_ident_same(&id), 0);
	again = id;
	again.start_time++;
	assert_int_equal(proc_ident_same(&again), -ESRCH);

	/* A child that has exited and been reaped is gone; a zombie counts as gone. */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	/* Wait for the exit without reaping it: now it is a zombie, for sure. */
	assert_int_equal(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
	assert_int_equal(proc_ident_get(pid, &id), -ESRCH); /* zombie */
	waitpid(pid, NULL, 0);
	assert_int_equal(proc_ident_get(pid, &id), -ESRCH);
}

/* ------------------------------------------------ the mover */

static void test_mover_commit_counts(void **state)
{
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;
	int i;

	fake_reset();
	fk.node[2] = -1; /* never touched */
	fk.busy[3] = 2; /* busy twice, then moves */
	fk.busy[4] = 100; /* busy beyond the retries */
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	/* 8 pages from page 0, plus 2 past the end of the mapping: -EFAULT */
	assert_int_equal(mover_move_batch(&m, &id, BASE + (NP - 8) * 4096ULL, 10, 1, &res), 0);
	assert_int_equal(res.c.efault, 2);
	assert_int_equal(res.c.at_dst, 8);
	assert_int_equal(mover_move_batch(&m, &id, BASE, 8, 1, &res), 0);
	assert_int_equal(res.begin_seq, 3);
	assert_int_equal(res.c.at_dst, 6);
	assert_int_equal(res.c.enoent, 1);
	assert_int_equal(res.c.ebusy, 1);
	assert_int_equal(res.c.other + res.c.elsewhere + res.c.efault, 0);
	assert_int_equal(fk.node[3], 1);
	assert_int_equal(fk.node[4], 0);
	for (i = 5; i < 8; i++)
		assert_int_equal(fk.node[i], 1);
	assert_int_equal(rec_at(img, 64, 4)->type, PJ_COMMIT);
	assert_int_equal(rec_at(img, 64, 4)->u.commit.begin_seq, 3);
	assert_int_equal(rec_at(img, 64, 4)->u.commit.c.at_dst, 6);
	assert_int_equal(j->nopen, 0);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

/*
 * Scattered pages in one call: one BEGIN per contiguous run, all before the
 * (single) move_pages call, then one COMMIT per run with that run's counts;
 * a full ring aborts the BEGINs already written and moves nothing.
 */
static void test_mover_scattered_runs(void **state)
{
	static const int idx[] = { 1, 2, 3, 7, 10, 11, 20 };
	uint64_t addrs[PJ_MIN_RECORDS + 1], bad[2] = { BASE + 4096, BASE };
	int st[PJ_MIN_RECORDS + 1];
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;
	int i;

	fake_reset();
	fk.node[10] = -1; /* never touched: its run commits with one -ENOENT */
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	for (i = 0; i < 7; i++)
		addrs[i] = BASE + (uint64_t)idx[i] * 4096;
	assert_int_equal(mover_move_pages(&m, &id, bad, 2, 1, &res, NULL), -EINVAL); /* unsorted */
	for (i = 0; i < 7; i++)
		st[i] = 12345;
	assert_int_equal(mover_move_pages(&m, &id, addrs, 7, 1, &res, st), 0);
	assert_int_equal(fk.calls, 2); /* one move, one re-query of the absent page */
	for (i = 0; i < 7; i++) /* each page's outcome, for the daemon's policy */
		assert_int_equal(st[i], idx[i] == 10 ? -ENOENT : 1);
	assert_int_equal(res.begin_seq, 1);
	assert_int_equal(res.c.at_dst, 6);
	assert_int_equal(res.c.enoent, 1);
	/* BEGIN runs [1,3], [7], [10,11], [20]: seqs 1-4; COMMITs 5-8. */
	assert_int_equal(rec_at(img, 64, 1)->type, PJ_BEGIN);
	assert_int_equal(rec_at(img, 64, 1)->u.begin.npages, 3);
	assert_int_equal(rec_at(img, 64, 3)->u.begin.addr, BASE + 10 * 4096);
	assert_int_equal(rec_at(img, 64, 4)->u.begin.npages, 1);
	for (i = 5; i <= 8; i++) {
		assert_int_equal(rec_at(img, 64, i)->type, PJ_COMMIT);
		assert_int_equal(rec_at(img, 64, i)->u.commit.begin_seq, i - 4);
	}
	assert_int_equal(rec_at(img, 64, 7)->u.commit.c.enoent, 1);
	assert_int_equal(rec_at(img, 64, 7)->u.commit.c.at_dst, 1);
	assert_int_equal(j->nopen, 0);
	for (i = 0; i < 7; i++)
		if (idx[i] != 10)
			assert_int_equal(fk.node[idx[i]], 1);
	mover_fini(&m);
	journal_close(j);
	free(img);

	/* The smallest ring cannot hold one BEGIN more than its slots: nothing moves. */
	fake_reset();
	img = make_image(PJ_MIN_RECORDS, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	for (i = 0; i <= PJ_MIN_RECORDS; i++)
		addrs[i] = BASE + (uint64_t)i * 2 * 4096;
	st[0] = 12345;
	assert_int_equal(mover_move_pages(&m, &id, addrs, PJ_MIN_RECORDS + 1, 1, &res, st),
			 -ENOSPC);
	assert_int_equal(st[0], 12345); /* nothing ran: left as is */
	assert_int_equal(fk.calls, 0);
	for (i = 0; i < NP; i++)
		assert_int_equal(fk.node[i], 0);
	mover_fini(&m);
	journal_close(j);
	free(img);
	(void)state;
}

/* Pages the NUMA scanner left PROT_NONE look absent to move_pages on 6.1. */
static void test_mover_protnone(void **state)
{
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;

	fake_reset();
	fk.protnone[1] = fk.protnone[5] = true;
	fk.node[7] = -1; /* really absent: touched, still absent */
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	assert_int_equal(mover_move_batch(&m, &id, BASE, 8, 1, &res), 0);
	assert_int_equal(res.c.at_dst, 7);
	assert_int_equal(res.c.enoent, 1);
	assert_int_equal(fk.touches, 3);
	assert_int_equal(fk.node[1], 1);
	assert_int_equal(fk.node[5], 1);

	/* Without a touch function they stay where they are, counted absent. */
	fk.protnone[9] = true;
	m.touch = NULL;
	assert_int_equal(mover_move_batch(&m, &id, BASE + 8 * 4096ULL, 4, 1, &res), 0);
	assert_int_equal(res.c.at_dst, 3);
	assert_int_equal(res.c.enoent, 1);
	assert_int_equal(fk.node[9], 0);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

static void test_mover_positive_return(void **state)
{
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;

	/* move_pages returns "2 not migrated" without filling their status. */
	fake_reset();
	fk.unset[1] = fk.unset[6] = true;
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	assert_int_equal(mover_move_batch(&m, &id, BASE, 8, 1, &res), 0);
	/* Re-queried: they are still on node 0. */
	assert_int_equal(res.c.at_dst, 6);
	assert_int_equal(res.c.elsewhere, 2);
	assert_int_equal(res.c.other, 0);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

static void test_mover_whole_call_errors(void **state)
{
	static const int errs[] = { ESRCH, EPERM, EACCES, EINVAL, ENOMEM };
	struct proc_ident id = self();
	struct batch_result res;
	const struct pj_record *r;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len, i;

	fake_reset();
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	/* A node that does not exist: BEGIN + ABORT(ENODEV), nothing moved. */
	assert_int_equal(mover_move_batch(&m, &id, BASE, 4, 7, &res), -ENODEV);
	r = rec_at(img, 64, 2);
	assert_int_equal(r->type, PJ_ABORT);
	assert_int_equal(r->err, ENODEV);
	assert_int_equal(r->u.commit.c.elsewhere, 4); /* re-queried: on node 0 */
	assert_int_equal(fk.node[0], 0);
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fk.whole_err = errs[i];
		assert_int_equal(mover_move_batch(&m, &id, BASE, 4, 1, &res), -errs[i]);
		r = rec_at(img, 64, res.begin_seq + 1);
		assert_int_equal(r->type, PJ_ABORT);
		assert_int_equal(r->err, errs[i]);
		/* The re-query failed too: locations unknown, counted as "other". */
		assert_int_equal(r->u.commit.c.other, 4);
	}
	assert_int_equal(j->nopen, 0);
	/* Bad arguments journal nothing. */
	assert_int_equal(mover_move_batch(&m, &id, BASE + 1, 4, 1, &res), -EINVAL);
	assert_int_equal(mover_move_batch(&m, &id, BASE, 0, 1, &res), -EINVAL);
	assert_int_equal(mover_move_batch(&m, &id, BASE, MOVER_MAX_BATCH + 1, 1, &res), -EINVAL);
	assert_int_equal(j->next_seq, 2 + 2 * 5 + 1);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

static void test_mover_recycled_pid_untouched(void **state)
{
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;

	fake_reset();
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	id.start_time ^= 1; /* same PID, another process */
	assert_int_equal(mover_move_batch(&m, &id, BASE, 4, 1, &res), -ESRCH);
	assert_int_equal(fk.calls, 0);
	assert_int_equal(j->next_seq, 1);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

/* ------------------------------------------------ recovery */

static int64_t begin_for(struct journal *j, const struct proc_ident *id, int first, int n, int dst)
{
	struct pj_record r;

	memset(&r, 0, sizeof(r));
	r.type = PJ_BEGIN;
	r.u.begin.tgid = id->tgid;
	r.u.begin.start_time = id->start_time;
	r.u.begin.addr = BASE + first * 4096ULL;
	r.u.begin.npages = n;
	r.u.begin.page_shift = 12;
	r.u.begin.dst_node = dst;
	return journal_append(j, &r);
}

static void test_recovery_outcomes(void **state)
{
	struct proc_ident id = self(), other = id, dead;
	struct recovery_stats st;
	const struct pj_record *r;
	struct journal *j;
	struct mover m;
	uint8_t *img;
	size_t len;
	pid_t pid;
	int i;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	assert_int_equal(proc_ident_get(pid, &dead), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	other.start_time++;

	fake_reset();
	fk.node[5] = -1;
	img = make_image(64, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	/* Batch 1: half moved when the crash came. */
	assert_int_equal(begin_for(j, &id, 0, 8, 1), 1);
	for (i = 0; i < 4; i++)
		fk.node[i] = 1;
	assert_int_equal(begin_for(j, &dead, 8, 4, 1), 2); /* process gone */
	assert_int_equal(begin_for(j, &other, 12, 4, 1), 3); /* PID recycled */
	mover_fini(&m);
	journal_close(j);

	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	assert_int_equal(j->nopen, 3);
	fake_mover(&m, j);
	fk.calls = 0;
	assert_int_equal(recovery_run(&m, &st, NULL), 0);
	assert_int_equal(st.open, 3);
	assert_int_equal(st.rolled_forward, 1);
	assert_int_equal(st.abandoned, 2);
	assert_int_equal(j->nopen, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(fk.node[i], i == 5 ? -1 : 1);
	/* Abandoned batches were never touched. */
	for (i = 8; i < 16; i++)
		assert_int_equal(fk.node[i], 0);
	r = rec_at(img, 64, 4);
	assert_int_equal(r->type, PJ_RECOVERED);
	assert_int_equal(r->u.commit.begin_seq, 1);
	assert_int_equal(r->outcome, PJ_ROLLED_FORWARD);
	assert_int_equal(r->u.commit.c.at_dst, 7);
	assert_int_equal(r->u.commit.c.enoent, 1);
	assert_int_equal(rec_at(img, 64, 5)->outcome, PJ_ABANDONED_GONE);
	assert_int_equal(rec_at(img, 64, 6)->outcome, PJ_ABANDONED_RECYCLED);
	mover_fini(&m);
	journal_close(j);

	/* Rerun: nothing left to do, nothing appended. */
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	fake_mover(&m, j);
	assert_int_equal(recovery_run(&m, &st, NULL), 0);
	assert_int_equal(st.open, 0);
	assert_int_equal(j->next_seq, 7);
	mover_fini(&m);
	journal_close(j);

	/* A corrupt journal is not recovered (nor written). */
	((struct pj_record *)(img + PJ_HEADER_SIZE))[2].time_ns ^= 1;
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	assert_true(j->scan.corrupt);
	fake_mover(&m, j);
	assert_int_equal(recovery_run(&m, &st, NULL), -EUCLEAN);
	mover_fini(&m);
	journal_close(j);
	free(img);
}

/* ------------------------------------------------ power-loss replay */

enum { EV_PERSIST, EV_MOVE, EV_DONE };

struct event {
	int type;
	size_t off, len;
	uint8_t data[PJ_RECORD_SIZE];
	int node[NP]; /* EV_MOVE: the pages after this page moved */
	uint64_t batch; /* EV_MOVE, EV_DONE: BEGIN seq of the batch */
};

#define RING 16
#define MAX_EVENTS 4096

static struct {
	struct event ev[MAX_EVENTS];
	size_t nev;
	uint8_t *img; /* the working (cached) image */
	int persist_calls;
	int skip_persist; /* this persist call is "forgotten" */
	uint64_t cur_batch;
	bool recording;
} h;

static int notes; /* messages of this replay, to keep the output short */

#define note(...)                                   \
	do {                                        \
		if (notes++ < 3)                    \
			print_message(__VA_ARGS__); \
	} while (0)

static struct event *new_event(int type)
{
	assert_true(h.nev < MAX_EVENTS);
	memset(&h.ev[h.nev], 0, sizeof(h.ev[0]));
	h.ev[h.nev].type = type;
	return &h.ev[h.nev++];
}

static void harness_persist(const void *addr, size_t len)
{
	const struct pj_record *r = addr;
	struct event *e;

	if (!h.recording)
		return;
	if (h.persist_calls++ == h.skip_persist)
		return;
	assert_true(len <= PJ_RECORD_SIZE);
	e = new_event(EV_PERSIST);
	e->off = (const uint8_t *)addr - h.img;
	e->len = len;
	memcpy(e->data, addr, len);
	if (r->type == PJ_BEGIN)
		h.cur_batch = r->seq;
}

static void harness_page_moved(void)
{
	struct event *e;

	if (!h.recording)
		return;
	e = new_event(EV_MOVE);
	memcpy(e->node, fk.node, sizeof(e->node));
	e->batch = h.cur_batch;
}

/* The workload: batches of different shapes, wrapping the 16-record ring. */
static void run_workload(size_t len, int skip)
{
	static const struct {
		int first, n, dst;
	} b[] = {
		{ 0, 8, 1 },  { 8, 8, 1 },  { 0, 4, 0 }, { 16, 16, 1 }, { 4, 4, 7 },
		{ 24, 8, 0 }, { 0, 32, 0 }, { 2, 6, 1 }, { 20, 4, 1 },	{ 0, 1, 0 },
	};
	struct proc_ident id = self();
	struct batch_result res;
	struct journal *j;
	struct mover m;
	struct event *e;
	size_t i;
	int err;

	memset(&h, 0, sizeof(h));
	h.skip_persist = skip;
	h.img = make_image(RING, &len);
	fake_reset();
	fk.node[10] = fk.node[11] = -1;
	fk.busy[17] = 1;
	h.recording = true;
	on_page_moved = harness_page_moved;
	assert_int_equal(journal_open_mem(&j, h.img, len, harness_persist), 0);
	fake_mover(&m, j);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		err = mover_move_batch(&m, &id, BASE + b[i].first * 4096ULL, b[i].n, b[i].dst,
				       &res);
		assert_true(err == 0 || err == -ENODEV);
		e = new_event(EV_DONE);
		e->batch = res.begin_seq;
	}
	mover_fini(&m);
	journal_close(j);
	h.recording = false;
	on_page_moved = NULL;
}

static bool has_resolution(uint8_t *img, const struct pj_scan *s, uint64_t batch)
{
	const struct pj_record *r;
	uint64_t seq;

	for (seq = s->first_seq; s->nvalid && seq <= s->last_seq; seq++) {
		r = rec_at(img, RING, seq);
		if (r->type != PJ_BEGIN && r->type != PJ_OBSERVED && r->u.commit.begin_seq == batch)
			return true;
	}
	/* The mover writes a batch's resolution right after its BEGIN. */
	return batch + 1 < s->first_seq;
}

/* Check recovery from @media with the pages as @node; returns violations. */
static int check_recovery(uint8_t *media, size_t len, const int *node, size_t cut)
{
	struct recovery_stats st;
	struct pj_header hd;
	struct pj_scan s;
	struct journal *j;
	struct mover m;
	uint64_t seq, p;
	int bad = 0, err;
	char why[128];

	memcpy(fk.node, node, sizeof(fk.node));
	memset(fk.busy, 0, sizeof(fk.busy));
	if (journal_open_mem(&j, media, len, persist_nop)) {
		note("# cut %zu: journal does not open\n", cut);
		return 1;
	}
	fake_mover(&m, j);
	err = recovery_run(&m, &st, NULL);
	mover_fini(&m);
	journal_close(j);
	if (err) {
		note("# cut %zu: recovery failed: %s\n", cut, strerror(-err));
		return 1;
	}
	err = pj_parse_image(media, len, &hd, &s, why, sizeof(why));
	if (err || s.corrupt || s.nopen) {
		note("# cut %zu: after recovery: %s, %zu open\n", cut, err ? why : s.why, s.nopen);
		pj_scan_free(&s);
		return 1;
	}
	/* Every page of a rolled-forward batch is where recovery says. */
	for (seq = s.first_seq; seq <= s.last_seq; seq++) {
		const struct pj_record *r = rec_at(media, RING, seq), *b;
		uint32_t at = 0, absent = 0;

		if (r->type != PJ_RECOVERED || r->outcome != PJ_ROLLED_FORWARD)
			continue;
		b = rec_at(media, RING, r->u.commit.begin_seq);
		if (b->seq != r->u.commit.begin_seq)
			continue;
		for (p = 0; p < b->u.begin.npages; p++) {
			int nd = fk.node[((b->u.begin.addr - BASE) >> 12) + p];

			if (nd < 0)
				absent++;
			else if (nd == b->u.begin.dst_node)
				at++;
		}
		if (at != r->u.commit.c.at_dst || absent != r->u.commit.c.enoent ||
		    at + absent != b->u.begin.npages) {
			note("# cut %zu: batch %llu: recovery says %u at node, real %u\n", cut,
			     (unsigned long long)b->seq, r->u.commit.c.at_dst, at);
			bad++;
		}
	}
	pj_scan_free(&s);
	return bad;
}

/*
 * Replay: a power cut after each event leaves exactly the persisted ranges
 * before it on the media.  Returns the number of inconsistent cuts.
 */
static int replay(size_t len, size_t *ncuts)
{
	uint8_t *media, *prev, *work;
	bool moved[64] = { 0 }, done[64] = { 0 };
	int node[NP], bad_cuts = 0;
	struct pj_header hd;
	struct pj_scan s, ps;
	size_t cut, i;
	uint64_t b, seq;
	char why[128];

	notes = 0;
	media = make_image(RING, &len);
	prev = make_image(RING, &len);
	work = aligned_alloc(64, len);
	assert_non_null(work);
	/* Same header (uuid, generation) as the workload's image. */
	memcpy(media, h.img, PJ_HEADER_SIZE);
	memcpy(prev, h.img, PJ_HEADER_SIZE);
	for (i = 0; i < NP; i++)
		node[i] = i == 10 || i == 11 ? -1 : 0;
	for (cut = 0; cut <= h.nev; cut++) {
		int bad = 0;

		if (cut) {
			const struct event *e = &h.ev[cut - 1];

			if (e->type == EV_PERSIST)
				memcpy(media + e->off, e->data, e->len);
			else if (e->type == EV_MOVE) {
				memcpy(node, e->node, sizeof(node));
				moved[e->batch % 64] = true;
			} else {
				done[e->batch % 64] = true;
			}
		}
		if (pj_parse_image(media, len, &hd, &s, why, sizeof(why)) || s.corrupt) {
			note("# cut %zu: %s\n", cut, s.corrupt ? s.why : why);
			bad_cuts++;
			pj_scan_free(&s);
			continue;
		}
		/* Nothing moves before its BEGIN is durable. */
		for (b = 1; b < 64; b++) {
			if (moved[b] &&
			    (b > s.last_seq ||
			     (b >= s.first_seq && rec_at(media, RING, b)->type != PJ_BEGIN))) {
				note("# cut %zu: batch %llu moved pages, BEGIN not durable\n", cut,
				     (unsigned long long)b);
				bad++;
			}
			/* A batch the mover finished is committed (or aborted) durably. */
			if (done[b] && !has_resolution(media, &s, b)) {
				note("# cut %zu: batch %llu done, no durable COMMIT\n", cut,
				     (unsigned long long)b);
				bad++;
			}
		}
		/* No durable record is lost: what was there is still there, or overwritten by a newer one. */
		if (!pj_parse_image(prev, len, &hd, &ps, why, sizeof(why))) {
			for (seq = ps.first_seq; ps.nvalid && seq <= ps.last_seq; seq++)
				if (seq >= s.first_seq &&
				    memcmp(rec_at(prev, RING, seq), rec_at(media, RING, seq),
					   PJ_RECORD_SIZE)) {
					note("# cut %zu: record %llu lost\n", cut,
					     (unsigned long long)seq);
					bad++;
				}
			pj_scan_free(&ps);
		}
		pj_scan_free(&s);
		memcpy(prev, media, len);
		memcpy(work, media, len);
		bad += check_recovery(work, len, node, cut);
		bad_cuts += bad > 0;
	}
	*ncuts = cut;
	free(work);
	free(prev);
	free(media);
	return bad_cuts;
}

static void test_powerloss_replay(void **state)
{
	size_t len = 0, ncuts, i, npersist = 0, nmove = 0;
	int bad;

	run_workload(len, -1);
	for (i = 0; i < h.nev; i++) {
		npersist += h.ev[i].type == EV_PERSIST;
		nmove += h.ev[i].type == EV_MOVE;
	}
	/* 10 batches: BEGIN + COMMIT each; pages really moved in between. */
	assert_int_equal(npersist, 20);
	assert_true(nmove > 30);
	bad = replay(PJ_HEADER_SIZE + RING * PJ_RECORD_SIZE, &ncuts);
	print_message("# %zu power cuts replayed (%zu persists, %zu page moves): %d inconsistent\n",
		      ncuts, npersist, nmove, bad);
	assert_int_equal(ncuts, h.nev + 1);
	assert_int_equal(bad, 0);
	free(h.img);
}

/* The checker is checked: forget one persist and it must complain. */
static void test_powerloss_detects_missing_persist(void **state)
{
	size_t ncuts;
	int skip, bad;

	/* Persist calls: 2k = BEGIN of batch k, 2k+1 = its COMMIT (ABORT). */
	for (skip = 0; skip < 20; skip++) {
		run_workload(0, skip);
		bad = replay(PJ_HEADER_SIZE + RING * PJ_RECORD_SIZE, &ncuts);
		print_message(
			"# persist %d (%s of batch %d) removed: %d inconsistent cuts of %zu\n",
			skip, skip % 2 ? "COMMIT" : "BEGIN", skip / 2 + 1, bad, ncuts);
		assert_true(bad > 0);
		free(h.img);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_ident),
		cmocka_unit_test(test_mover_commit_counts),
		cmocka_unit_test(test_mover_scattered_runs),
		cmocka_unit_test(test_mover_protnone),
		cmocka_unit_test(test_mover_positive_return),
		cmocka_unit_test(test_mover_whole_call_errors),
		cmocka_unit_test(test_mover_recycled_pid_untouched),
		cmocka_unit_test(test_recovery_outcomes),
		cmocka_unit_test(test_powerloss_replay),
		cmocka_unit_test(test_powerloss_detects_missing_persist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
