// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: an arbitrary byte image as a journal file.  Parsing
 * must refuse it with a reason or scan it; a corrupt log must say "corrupt
 * at record N"; a sound one must recover (with a simulated move_pages, so
 * nothing real moves) to a log with no open batch, and only grow by one
 * RECOVERED per open batch.  An input of odd length has its last byte
 * dropped and every checksum fixed up, so that mutations reach the checks
 * behind the CRC (sequence, slots, batches, recovery) instead of dying there.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "mover.h"
#include "recovery.h"

static void persist_nop(const void *addr, size_t len)
{
}

static void reseal(uint8_t *img, size_t size)
{
	struct pj_header *h = (struct pj_header *)img;
	struct pj_record *r;
	size_t off;

	if (size < sizeof(*h))
		return;
	h->csum = pj_crc32c(0, h, offsetof(struct pj_header, csum));
	for (off = PJ_HEADER_SIZE; off + PJ_RECORD_SIZE <= size; off += PJ_RECORD_SIZE) {
		r = (struct pj_record *)(img + off);
		if (r->seq)
			pj_record_seal(r);
	}
}

/* Every page is on node 0 and moves wherever it is asked to. */
static int fake_move(int pid, unsigned long count, void **pages, const int *nodes, int *status,
		     int flags)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		status[i] = nodes ? nodes[i] : 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recovery_stats st;
	struct journal *j = NULL;
	struct pj_header h;
	struct pj_scan s, after;
	struct mover m;
	char why[160] = "";
	uint64_t last;
	uint8_t *img;
	int err;

	if (size > (1 << 20))
		return 0;
	/* The image is mapped page aligned in real life; keep records aligned. */
	img = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (!img)
		return 0;
	memcpy(img, data, size);
	if (size & 1) {
		size--;
		reseal(img, size);
	}
	err = pj_parse_image(img, size, &h, &s, why, sizeof(why));
	if (err) {
		if (err != -EPROTO || !why[0])
			abort();
		goto out;
	}
	if (s.corrupt) {
		if (strncmp(s.why, "corrupt at record ", 18))
			abort();
		pj_scan_free(&s);
		goto out;
	}
	last = s.next_seq - 1;
	pj_scan_free(&s);
	if (journal_open_mem(&j, img, size, persist_nop))
		abort();
	mover_init(&m, j);
	m.move = fake_move;
	err = recovery_run(&m, &st, NULL);
	mover_fini(&m);
	journal_close(j);
	/* The scan refuses rings too full to resolve: recovery must succeed. */
	if (err)
		abort();
	if (pj_parse_image(img, size, &h, &after, why, sizeof(why)) || after.corrupt ||
	    after.nopen || after.next_seq - 1 != last + st.open)
		abort();
	pj_scan_free(&after);
out:
	free(img);
	return 0;
}
