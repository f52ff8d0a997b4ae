// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the journal format, scan and append (in memory and on files). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpmem2.h>

#include "journal.h"

#define GEN 0x5eed1234u

static void persist_nop(const void *addr, size_t len)
{
}

/* A zeroed journal image with @n records in its ring. */
static uint8_t *make_image(uint64_t n, uint32_t gen, size_t *len)
{
	static const uint8_t uuid[16] = { 1, 2, 3 };
	struct pj_header h;
	uint8_t *img;

	*len = PJ_HEADER_SIZE + n * PJ_RECORD_SIZE;
	img = aligned_alloc(64, *len);
	assert_non_null(img);
	memset(img, 0, *len);
	assert_int_equal(pj_header_init(&h, *len, gen, uuid), 0);
	memcpy(img, &h, sizeof(h));
	return img;
}

static struct pj_record *ring_of(uint8_t *img)
{
	return (struct pj_record *)(img + PJ_HEADER_SIZE);
}

static int64_t append_type(struct journal *j, unsigned int type, uint64_t ref)
{
	struct pj_record r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	if (type == PJ_BEGIN) {
		r.u.begin.tgid = 42;
		r.u.begin.start_time = 1000;
		r.u.begin.addr = 0x7f0000000000ULL;
		r.u.begin.npages = 8;
		r.u.begin.page_shift = 12;
		r.u.begin.dst_node = 1;
	} else {
		r.u.commit.begin_seq = ref;
		r.u.commit.c.at_dst = 8;
	}
	return journal_append(j, &r);
}

/* Append @batches BEGIN+COMMIT pairs to a fresh in-memory journal. */
static void fill(uint8_t *img, size_t len, unsigned int batches)
{
	struct journal *j;
	unsigned int i;
	int64_t b;

	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	for (i = 0; i < batches; i++) {
		b = append_type(j, PJ_BEGIN, 0);
		assert_true(b > 0);
		assert_true(append_type(j, PJ_COMMIT, b) == b + 1);
	}
	journal_close(j);
}

static void scan_image(uint8_t *img, size_t len, struct pj_scan *s)
{
	struct pj_header h;
	char why[128] = "";

	assert_int_equal(pj_parse_image(img, len, &h, s, why, sizeof(why)), 0);
}

static void test_crc32c_vector(void **state)
{
	/* The check value of CRC-32C (RFC 3720, "123456789"). */
	assert_int_equal(pj_crc32c(0, "123456789", 9), 0xE3069283u);
	/* Incremental = one shot. */
	assert_int_equal(pj_crc32c(pj_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

static void test_layout(void **state)
{
	/* The on-media format: changing any of these needs PJ_VERSION + 1. */
	assert_int_equal(sizeof(struct pj_record), 64);
	assert_int_equal(offsetof(struct pj_record, seq), 0);
	assert_int_equal(offsetof(struct pj_record, gen), 8);
	assert_int_equal(offsetof(struct pj_record, type), 12);
	assert_int_equal(offsetof(struct pj_record, time_ns), 16);
	assert_int_equal(offsetof(struct pj_record, u), 24);
	assert_int_equal(offsetof(struct pj_record, outcome), 56);
	assert_int_equal(offsetof(struct pj_record, err), 58);
	assert_int_equal(offsetof(struct pj_record, csum), 60);
	assert_int_equal(offsetof(struct pj_header, generation), 40);
	assert_int_equal(offsetof(struct pj_header, csum), 124);
}

static void test_encode_decode(void **state)
{
	const struct pj_record *r;
	struct journal *j;
	struct pj_scan s;
	uint8_t *img;
	size_t len;
	int64_t b;

	img = make_image(64, GEN, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	assert_int_equal(j->next_seq, 1);
	b = append_type(j, PJ_BEGIN, 0);
	assert_int_equal(b, 1);
	assert_int_equal(j->nopen, 1);
	assert_int_equal(append_type(j, PJ_COMMIT, b), 2);
	assert_int_equal(j->nopen, 0);
	/* A resolution of a batch that is not open is refused. */
	assert_int_equal(append_type(j, PJ_COMMIT, b), -EINVAL);
	journal_close(j);

	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.first_seq, 1);
	assert_int_equal(s.last_seq, 2);
	assert_int_equal(s.nopen, 0);
	r = &ring_of(img)[1];
	assert_int_equal(r->type, PJ_BEGIN);
	assert_int_equal(r->gen, GEN);
	assert_int_equal(r->u.begin.tgid, 42);
	assert_int_equal(r->u.begin.start_time, 1000);
	assert_int_equal(r->u.begin.npages, 8);
	assert_int_equal(r->u.begin.dst_node, 1);
	r = &ring_of(img)[2];
	assert_int_equal(r->type, PJ_COMMIT);
	assert_int_equal(r->u.commit.begin_seq, 1);
	assert_int_equal(r->u.commit.c.at_dst, 8);
	pj_scan_free(&s);
	free(img);
}

static void test_every_bit_flip_detected(void **state)
{
	struct pj_record *ring;
	struct pj_scan s;
	unsigned int bit;
	uint8_t *img;
	size_t len;

	img = make_image(16, GEN, &len);
	fill(img, len, 3); /* seqs 1..6 */
	ring = ring_of(img);
	for (bit = 0; bit < 8 * sizeof(struct pj_record); bit++) {
		/* In the middle of the log: the rest of the log must not be trusted. */
		((uint8_t *)&ring[3])[bit / 8] ^= 1u << (bit % 8);
		assert_int_not_equal(pj_record_classify(&ring[3], GEN, 3, 16), PJ_SLOT_VALID);
		scan_image(img, len, &s);
		assert_true(s.corrupt);
		assert_int_equal(s.corrupt_rec, 3);
		assert_non_null(strstr(s.why, "corrupt at record 3"));
		pj_scan_free(&s);
		((uint8_t *)&ring[3])[bit / 8] ^= 1u << (bit % 8);
	}
	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.last_seq, 6);
	pj_scan_free(&s);
	free(img);
}

static void test_wraparound(void **state)
{
	struct journal *j;
	struct pj_record r;
	struct pj_scan s;
	uint8_t *img;
	size_t len;

	img = make_image(16, GEN, &len);
	fill(img, len, 50); /* seqs 1..100 in a ring of 16 */
	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.first_seq, 85);
	assert_int_equal(s.last_seq, 100);
	assert_int_equal(s.next_seq, 101);
	assert_int_equal(s.nopen, 0);
	pj_scan_free(&s);
	/* Reopen: appends continue the sequence in the right slot. */
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	assert_int_equal(append_type(j, PJ_BEGIN, 0), 101);
	assert_int_equal(ring_of(img)[101 % 16].seq, 101);
	assert_int_equal(journal_read(j, 101, &r), 0);
	assert_int_equal(r.seq, 101);
	assert_int_equal(journal_read(j, 84, &r), -ENOENT); /* overwritten */
	assert_int_equal(journal_read(j, 102, &r), -ENOENT); /* not yet written */
	journal_close(j);
	scan_image(img, len, &s);
	assert_int_equal(s.first_seq, 86);
	assert_int_equal(s.last_seq, 101);
	assert_int_equal(s.nopen, 1);
	assert_int_equal(s.open[0], 101);
	pj_scan_free(&s);
	free(img);
}

static void test_full_journal(void **state)
{
	struct journal *j;
	uint8_t *img;
	size_t len;
	int64_t b, seq;

	img = make_image(16, GEN, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	b = append_type(j, PJ_BEGIN, 0);
	assert_int_equal(b, 1);
	/* Slots 2..15 are free; slot 16 (= 0) must stay for the COMMIT of 1. */
	for (seq = 2; seq <= 15; seq++)
		assert_int_equal(append_type(j, PJ_OBSERVED, 0), seq);
	assert_int_equal(append_type(j, PJ_OBSERVED, 0), -ENOSPC);
	assert_int_equal(append_type(j, PJ_BEGIN, 0), -ENOSPC);
	assert_int_equal(ring_of(img)[1].seq, 1); /* the open BEGIN survived */
	assert_int_equal(append_type(j, PJ_COMMIT, b), 16);
	/* Resolved: its slot may now be reused. */
	assert_int_equal(append_type(j, PJ_OBSERVED, 0), 17);
	journal_close(j);
	free(img);
}

static void test_open_batches_limit(void **state)
{
	struct journal *j;
	uint8_t *img;
	size_t len;
	int64_t seq, first;
	int k;

	/* Every open batch reserves a slot: 8 BEGINs fill 16 slots exactly. */
	img = make_image(16, GEN, &len);
	assert_int_equal(journal_open_mem(&j, img, len, persist_nop), 0);
	for (k = 0; k < 8; k++)
		assert_int_equal(append_type(j, PJ_BEGIN, 0), k + 1);
	assert_int_equal(append_type(j, PJ_BEGIN, 0), -ENOSPC);
	for (first = 1; first <= 8; first++) {
		seq = append_type(j, PJ_RECOVERED, first);
		assert_int_equal(seq, 8 + first);
	}
	assert_int_equal(j->nopen, 0);
	journal_close(j);
	free(img);
}

static void test_stale_generation(void **state)
{
	uint8_t uuid[16];
	struct pj_header h;
	struct pj_scan s;
	uint8_t *img;
	size_t len;

	img = make_image(32, GEN, &len);
	fill(img, len, 5); /* seqs 1..10 of generation GEN */
	/* Same file, re-made with another generation: the old records are stale. */
	memcpy(&h, img, sizeof(h));
	memcpy(uuid, h.uuid, sizeof(uuid));
	assert_int_equal(pj_header_init(&h, len, GEN + 1, uuid), 0);
	memcpy(img, &h, sizeof(h));
	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.nvalid, 0);
	assert_int_equal(s.nstale, 10);
	assert_int_equal(s.next_seq, 1);
	pj_scan_free(&s);
	/* New records 1..4 over the stale ones: stale 5..10 are ignored. */
	fill(img, len, 2);
	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.first_seq, 1);
	assert_int_equal(s.last_seq, 4);
	assert_int_equal(s.nstale, 6);
	pj_scan_free(&s);
	free(img);
}

/*
 * Tear the append of record @seq after @k bytes: the first (or last) @k
 * bytes are the new record, the rest is what the slot held before.
 */
static void torn_case(uint64_t n, unsigned int batches, bool suffix)
{
	size_t len, k;
	uint8_t *img, *copy;
	struct pj_record next, old;
	struct journal *j;
	struct pj_scan s;
	uint64_t last = 2 * batches, seq = last + 1, slot = seq % n;

	img = make_image(n, GEN, &len);
	fill(img, len, batches);
	memset(&next, 0, sizeof(next));
	next.seq = seq;
	next.gen = GEN;
	next.type = PJ_BEGIN;
	next.u.begin.tgid = 7;
	next.u.begin.npages = 1;
	next.u.begin.page_shift = 12;
	pj_record_seal(&next);
	memcpy(&old, &ring_of(img)[slot], sizeof(old));
	copy = aligned_alloc(64, len);
	assert_non_null(copy);
	for (k = 0; k <= sizeof(next); k++) {
		memcpy(copy, img, len);
		if (suffix)
			memcpy((uint8_t *)&ring_of(copy)[slot] + sizeof(next) - k,
			       (uint8_t *)&next + sizeof(next) - k, k);
		else
			memcpy(&ring_of(copy)[slot], &next, k);
		scan_image(copy, len, &s);
		assert_false(s.corrupt);
		if (k == sizeof(next)) {
			assert_int_equal(s.last_seq, seq);
			assert_int_equal(s.nopen, 1);
		} else {
			assert_int_equal(s.last_seq, last);
			assert_int_equal(s.nopen, 0);
			/* A slot that changed at all is the torn, discarded append. */
			if (memcmp(&ring_of(copy)[slot], &old, sizeof(old)))
				assert_int_equal(s.torn_seq, seq);
		}
		pj_scan_free(&s);
		/* The next append reuses the torn slot and the log is whole again. */
		assert_int_equal(journal_open_mem(&j, copy, len, persist_nop), 0);
		assert_true(append_type(j, PJ_OBSERVED, 0) > 0);
		journal_close(j);
		scan_image(copy, len, &s);
		assert_false(s.corrupt);
		assert_int_equal(s.last_seq, k == sizeof(next) ? seq + 1 : seq);
		pj_scan_free(&s);
	}
	free(copy);
	free(img);
}

static void test_torn_last_record(void **state)
{
	torn_case(64, 5, false); /* over zeroes */
	torn_case(64, 5, true);
	torn_case(16, 20, false); /* over the oldest record of a wrapped ring */
	torn_case(16, 20, true);
}

static void test_truncated_every_length(void **state)
{
	struct pj_header h;
	struct pj_scan s;
	char why[128];
	uint8_t *img;
	size_t len, l;

	img = make_image(16, GEN, &len);
	fill(img, len, 4);
	for (l = 0; l < len; l++) {
		why[0] = '\0';
		assert_int_equal(pj_parse_image(img, l, &h, &s, why, sizeof(why)), -EPROTO);
		assert_true(strstr(why, "truncated") || strstr(why, "too small"));
	}
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), 0);
	pj_scan_free(&s);
	free(img);
}

static void test_bad_headers(void **state)
{
	struct pj_header h, good;
	struct pj_scan s;
	char why[128];
	uint8_t *img;
	size_t len;

	img = make_image(16, GEN, &len);
	memcpy(&good, img, sizeof(good));

	memcpy(&h, &good, sizeof(h));
	h.magic[0] = 'X';
	memcpy(img, &h, sizeof(h));
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "wrong magic"));

	memcpy(&h, &good, sizeof(h));
	h.version = 2;
	h.csum = pj_crc32c(0, &h, offsetof(struct pj_header, csum));
	memcpy(img, &h, sizeof(h));
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "version 2"));

	memcpy(&h, &good, sizeof(h));
	h.nrecords++; /* checksum now wrong */
	memcpy(img, &h, sizeof(h));
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "checksum"));

	memcpy(&h, &good, sizeof(h));
	h.nrecords = 1000; /* ring larger than the file */
	h.csum = pj_crc32c(0, &h, offsetof(struct pj_header, csum));
	memcpy(img, &h, sizeof(h));
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);

	/* nrecords * 64 wraps to 1024: found by fuzz_journal (heap overflow). */
	memcpy(&h, &good, sizeof(h));
	h.nrecords = (1ULL << 58) + 16;
	h.csum = pj_crc32c(0, &h, offsetof(struct pj_header, csum));
	memcpy(img, &h, sizeof(h));
	assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "geometry"));
	free(img);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_garbage(void **state)
{
	static const uint8_t uuid[16] = { 9 };
	struct pj_header h;
	struct pj_scan s;
	char why[160];
	uint8_t *img;
	size_t len, i;
	int round, err;

	img = make_image(64, GEN, &len);
	for (round = 0; round < 200; round++) {
		/* Garbage everywhere: no header. */
		for (i = 0; i < len; i++)
			img[i] = rng();
		assert_int_equal(pj_parse_image(img, len, &h, &s, why, sizeof(why)), -EPROTO);
		/* A good header over a garbage ring: corrupt, named record, no crash. */
		assert_int_equal(pj_header_init(&h, len, GEN, uuid), 0);
		memcpy(img, &h, sizeof(h));
		err = pj_parse_image(img, len, &h, &s, why, sizeof(why));
		assert_int_equal(err, 0);
		assert_true(s.corrupt);
		assert_non_null(strstr(s.why, "corrupt at record "));
		pj_scan_free(&s);
	}
	free(img);
}

static void test_semantic_corruption(void **state)
{
	struct pj_record *r;
	struct pj_scan s;
	uint8_t *img;
	size_t len;

	/* A COMMIT of a batch that was already committed. */
	img = make_image(32, GEN, &len);
	fill(img, len, 3);
	r = &ring_of(img)[4]; /* COMMIT of batch 3 */
	r->u.commit.begin_seq = 1;
	pj_record_seal(r);
	scan_image(img, len, &s);
	assert_true(s.corrupt);
	assert_int_equal(s.corrupt_rec, 4);
	pj_scan_free(&s);
	/* A COMMIT pointing at itself. */
	r->u.commit.begin_seq = 4;
	pj_record_seal(r);
	scan_image(img, len, &s);
	assert_true(s.corrupt);
	pj_scan_free(&s);
	/* A COMMIT pointing at a COMMIT. */
	r->u.commit.begin_seq = 2;
	pj_record_seal(r);
	scan_image(img, len, &s);
	assert_true(s.corrupt);
	pj_scan_free(&s);
	/* A BEGIN of zero pages. */
	r = &ring_of(img)[5];
	r->u.begin.npages = 0;
	pj_record_seal(r);
	r = &ring_of(img)[4];
	r->u.commit.begin_seq = 3;
	pj_record_seal(r);
	scan_image(img, len, &s);
	assert_true(s.corrupt);
	assert_int_equal(s.corrupt_rec, 5);
	pj_scan_free(&s);
	free(img);
}

static void test_unresolvable_ring(void **state)
{
	struct pj_record *ring;
	struct pj_scan s;
	uint8_t *img;
	size_t len;
	uint64_t seq;

	/* 12 open BEGINs in 16 slots: 4 free slots cannot take 12 RECOVERED. */
	img = make_image(16, GEN, &len);
	ring = ring_of(img);
	for (seq = 1; seq <= 12; seq++) {
		ring[seq].seq = seq;
		ring[seq].gen = GEN;
		ring[seq].type = PJ_BEGIN;
		ring[seq].u.begin.tgid = 1;
		ring[seq].u.begin.npages = 1;
		ring[seq].u.begin.page_shift = 12;
		pj_record_seal(&ring[seq]);
	}
	scan_image(img, len, &s);
	assert_true(s.corrupt);
	assert_int_equal(s.corrupt_rec, 1);
	assert_non_null(strstr(s.why, "room to resolve"));
	pj_scan_free(&s);
	/* 8 open in 16 is what journal_append itself allows: fine. */
	memset(&ring[9], 0, 4 * sizeof(*ring));
	scan_image(img, len, &s);
	assert_false(s.corrupt);
	assert_int_equal(s.nopen, 8);
	pj_scan_free(&s);
	free(img);
}

/* ------------------------------------------------ files through libpmem2 */

static char dir[] = "/tmp/pautonuma-test-XXXXXX";

static int setup_dir(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void test_file_create_open(void **state)
{
	struct journal *j, *j2;
	char p[256];

	path_in_dir(p, sizeof(p), "ok");
	assert_int_equal(journal_create(p, 64 * 1024, false), 0);
	assert_int_equal(journal_create(p, 64 * 1024, false), -EEXIST);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDWR), 0);
	/* A plain file on tmpfs/ext4 without DAX: page granularity (msync). */
	assert_int_equal(j->granularity, PMEM2_GRANULARITY_PAGE);
	assert_int_not_equal(j->usc_ret, 0); /* no unsafe-shutdown count on a plain file */
	assert_int_equal(j->nrecords, (64 * 1024 - PJ_HEADER_SIZE) / PJ_RECORD_SIZE);
	assert_int_equal(append_type(j, PJ_BEGIN, 0), 1);
	/* A second writer, and a reader, are refused while we hold it. */
	assert_int_equal(journal_open(&j2, p, PJ_OPEN_RDWR), -EBUSY);
	assert_null(j2);
	assert_int_equal(journal_open(&j2, p, PJ_OPEN_RDONLY), -EBUSY);
	journal_close(j);
	/* What was appended is there after reopening (the file, not a copy). */
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), 0);
	assert_int_equal(j->scan.last_seq, 1);
	assert_int_equal(j->scan.nopen, 1);
	/* Two readers may share it. */
	assert_int_equal(journal_open(&j2, p, PJ_OPEN_RDONLY), 0);
	journal_close(j2);
	assert_int_equal(append_type(j, PJ_OBSERVED, 0), -EBADF); /* read-only */
	journal_close(j);
	journal_close(NULL);
	/* --force makes a fresh, empty journal. */
	assert_int_equal(journal_create(p, 64 * 1024, true), 0);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), 0);
	assert_int_equal(j->scan.nvalid, 0);
	journal_close(j);
}

static void test_file_hostile(void **state)
{
	struct journal *j;
	char p[256], link[256];
	int fd;

	path_in_dir(p, sizeof(p), "target");
	assert_int_equal(journal_create(p, 64 * 1024, false), 0);

	path_in_dir(link, sizeof(link), "link");
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(journal_open(&j, link, PJ_OPEN_RDWR), -ELOOP);
	assert_int_equal(journal_open(&j, link, PJ_OPEN_RDONLY), -ELOOP);
	assert_int_equal(journal_create(link, 64 * 1024, true), -ELOOP);

	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDWR), -EPERM);
	assert_int_equal(chmod(p, 0600), 0);

	if (geteuid() == 0) {
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(journal_open(&j, p, PJ_OPEN_RDWR), -EPERM);
		assert_int_equal(chown(p, 0, 0), 0);
	}

	setenv("PMEM2_FORCE_GRANULARITY", "cacheline", 1);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDWR), -ENOTSUP);
	unsetenv("PMEM2_FORCE_GRANULARITY");

	/* Wrong magic. */
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "NOTAJRNL", 8, 0), 8);
	close(fd);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), -EPROTO);

	/* Truncated: header intact, file shorter than it says. */
	assert_int_equal(journal_create(p, 64 * 1024, true), 0);
	assert_int_equal(truncate(p, 32 * 1024), 0);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), -EPROTO);
	/* Too small for a header. */
	assert_int_equal(truncate(p, 100), 0);
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), -EPROTO);
	assert_int_equal(truncate(p, 0), 0);
	assert_int_not_equal(journal_open(&j, p, PJ_OPEN_RDONLY), 0);

	/* Not a regular file. */
	assert_int_equal(journal_open(&j, dir, PJ_OPEN_RDWR), -EISDIR);
	assert_int_equal(journal_open(&j, dir, PJ_OPEN_RDONLY), -EPROTO);
	/* Missing. */
	path_in_dir(p, sizeof(p), "missing");
	assert_int_equal(journal_open(&j, p, PJ_OPEN_RDONLY), -ENOENT);
	/* Size out of range. */
	path_in_dir(p, sizeof(p), "tiny");
	assert_int_equal(journal_create(p, 4096, false), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vector),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_every_bit_flip_detected),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full_journal),
		cmocka_unit_test(test_open_batches_limit),
		cmocka_unit_test(test_stale_generation),
		cmocka_unit_test(test_torn_last_record),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_semantic_corruption),
		cmocka_unit_test(test_unresolvable_ring),
		cmocka_unit_test(test_file_create_open),
		cmocka_unit_test(test_file_hostile),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
