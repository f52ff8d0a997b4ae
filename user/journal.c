// SPDX-License-Identifier: GPL-2.0
/* The persistent move journal: format, scan, libpmem2 mapping, append. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpmem2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crashpoint.h"
#include "errmsg.h"
#include "journal.h"
#include "map_guard.h"

/* ------------------------------------------------------------ CRC32C */

/* Castagnoli polynomial, reflected; the checksum iSCSI, ext4 and btrfs use. */
static uint32_t crc_table[256];
static bool crc_ready;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		crc_table[i] = c;
	}
	crc_ready = true;
}

uint32_t pj_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ------------------------------------------------------------ format */

const char *pj_type_name(unsigned int type)
{
	static const char *const names[] = {
		[PJ_BEGIN] = "BEGIN",	      [PJ_COMMIT] = "COMMIT",	  [PJ_ABORT] = "ABORT",
		[PJ_RECOVERED] = "RECOVERED", [PJ_OBSERVED] = "OBSERVED",
	};

	if (type >= 1 && type <= PJ_TYPE_MAX)
		return names[type];
	return "?";
}

const char *pj_outcome_name(unsigned int outcome)
{
	switch (outcome) {
	case PJ_ROLLED_FORWARD:
		return "rolled-forward";
	case PJ_ABANDONED_GONE:
		return "abandoned-gone";
	case PJ_ABANDONED_RECYCLED:
		return "abandoned-recycled";
	case PJ_ABANDONED_ERROR:
		return "abandoned-error";
	}
	return "-";
}

static uint32_t header_csum(const struct pj_header *h)
{
	return pj_crc32c(0, h, offsetof(struct pj_header, csum));
}

int pj_header_init(struct pj_header *h, uint64_t size, uint32_t gen, const uint8_t uuid[16])
{
	struct timespec ts;

	if (size < PJ_HEADER_SIZE + (uint64_t)PJ_MIN_RECORDS * PJ_RECORD_SIZE ||
	    size > PJ_MAX_SIZE || !gen)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, PJ_MAGIC, sizeof(h->magic));
	h->version = PJ_VERSION;
	h->record_size = PJ_RECORD_SIZE;
	h->size = size;
	h->ring_offset = PJ_HEADER_SIZE;
	h->nrecords = (size - PJ_HEADER_SIZE) / PJ_RECORD_SIZE;
	h->generation = gen;
	memcpy(h->uuid, uuid, sizeof(h->uuid));
	clock_gettime(CLOCK_REALTIME, &ts);
	h->created_ns = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	h->csum = header_csum(h);
	return 0;
}

int pj_header_check(const struct pj_header *h, uint64_t file_size, char *why, size_t whylen)
{
	if (file_size < sizeof(*h)) {
		snprintf(why, whylen, "too small: %" PRIu64 " bytes, no room for a header",
			 file_size);
		return -EPROTO;
	}
	if (memcmp(h->magic, PJ_MAGIC, sizeof(h->magic))) {
		snprintf(why, whylen, "wrong magic: not a pautonuma journal");
		return -EPROTO;
	}
	if (h->version != PJ_VERSION) {
		snprintf(why, whylen, "unsupported version %u (this build reads version %u)",
			 h->version, PJ_VERSION);
		return -EPROTO;
	}
	if (h->csum != header_csum(h)) {
		snprintf(why, whylen, "header checksum mismatch");
		return -EPROTO;
	}
	if (h->record_size != PJ_RECORD_SIZE || h->ring_offset != PJ_HEADER_SIZE ||
	    h->nrecords < PJ_MIN_RECORDS || h->size > PJ_MAX_SIZE || !h->generation ||
	    h->size < h->ring_offset ||
	    /* divide, don't multiply: a hostile nrecords must not wrap around */
	    h->nrecords > (h->size - h->ring_offset) / PJ_RECORD_SIZE) {
		snprintf(why, whylen, "inconsistent header geometry");
		return -EPROTO;
	}
	if (file_size < h->size) {
		snprintf(why, whylen, "truncated: %" PRIu64 " bytes, header says %" PRIu64,
			 file_size, h->size);
		return -EPROTO;
	}
	return 0;
}

void pj_record_seal(struct pj_record *r)
{
	r->csum = pj_crc32c(0, r, offsetof(struct pj_record, csum));
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

enum pj_slot pj_record_classify(const struct pj_record *r, uint32_t gen, uint64_t slot,
				uint64_t nrecords)
{
	if (all_zero(r, sizeof(*r)))
		return PJ_SLOT_EMPTY;
	if (r->csum != pj_crc32c(0, r, offsetof(struct pj_record, csum)))
		return PJ_SLOT_BAD;
	if (r->gen != gen)
		return PJ_SLOT_STALE;
	if (!r->seq || r->seq % nrecords != slot || r->type < 1 || r->type > PJ_TYPE_MAX)
		return PJ_SLOT_BAD;
	return PJ_SLOT_VALID;
}

static int open_push(uint64_t **arr, size_t *n, size_t *cap, uint64_t seq)
{
	uint64_t *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		p = realloc(*arr, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	(*arr)[(*n)++] = seq;
	return 0;
}

/* Remove @seq from the sorted open list; -ENOENT if it is not there. */
static int open_remove(uint64_t *arr, size_t *n, uint64_t seq)
{
	size_t lo = 0, hi = *n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (arr[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == *n || arr[lo] != seq)
		return -ENOENT;
	memmove(&arr[lo], &arr[lo + 1], (*n - lo - 1) * sizeof(*arr));
	(*n)--;
	return 0;
}

/* The sequence number slot @i holds next: in (last+1-n, last+1], else the lap after. */
static uint64_t slot_seq(uint64_t i, uint64_t last, uint64_t n)
{
	uint64_t top = last + 1, delta = (top % n + n - i) % n;

	return top > delta ? top - delta : top + (n - delta);
}

static void set_corrupt(struct pj_scan *s, uint64_t rec, const char *why)
{
	if (s->corrupt)
		return;
	s->corrupt = true;
	s->corrupt_rec = rec;
	snprintf(s->why, sizeof(s->why), "corrupt at record %" PRIu64 ": %s", rec, why);
}

static int check_payload(const struct pj_record *r, uint64_t first, struct pj_scan *s, size_t *cap,
			 const struct pj_record *ring, uint64_t n)
{
	const struct pj_begin *b = &r->u.begin;
	uint64_t ref;
	char why[96];
	int err;

	switch (r->type) {
	case PJ_BEGIN:
		/* Recovery acts on these fields: bound them before it does. */
		if (!b->npages || b->npages > PJ_MAX_BATCH_PAGES || b->page_shift < 12 ||
		    b->page_shift > 30 || !b->tgid || b->tgid > INT32_MAX || b->dst_node < 0 ||
		    b->addr & ((1ULL << b->page_shift) - 1) ||
		    b->addr + ((uint64_t)b->npages << b->page_shift) < b->addr) {
			set_corrupt(s, r->seq, "BEGIN with an impossible page range or pid");
			return 0;
		}
		return open_push(&s->open, &s->nopen, cap, r->seq);
	case PJ_COMMIT:
	case PJ_ABORT:
	case PJ_RECOVERED:
		ref = r->u.commit.begin_seq;
		if (!ref || ref >= r->seq) {
			set_corrupt(s, r->seq, "resolves a batch that is not older than itself");
			return 0;
		}
		/* Older than the log: that BEGIN was overwritten after it was resolved. */
		if (ref < first)
			return 0;
		err = open_remove(s->open, &s->nopen, ref);
		if (err || ring[ref % n].type != PJ_BEGIN) {
			snprintf(why, sizeof(why), "%s of batch %" PRIu64 " which is not open",
				 pj_type_name(r->type), ref);
			set_corrupt(s, r->seq, why);
		}
		return 0;
	}
	return 0;
}

int pj_scan_ring(const struct pj_record *ring, uint64_t n, uint32_t gen, struct pj_scan *s)
{
	uint64_t i, seq, min = UINT64_MAX, max = 0, torn_slot, last;
	size_t cap = 0;
	int err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		switch (pj_record_classify(&ring[i], gen, i, n)) {
		case PJ_SLOT_VALID:
			s->nvalid++;
			if (ring[i].seq < min)
				min = ring[i].seq;
			if (ring[i].seq > max)
				max = ring[i].seq;
			break;
		case PJ_SLOT_STALE:
			s->nstale++;
			break;
		case PJ_SLOT_BAD:
			s->nbad++;
			break;
		case PJ_SLOT_EMPTY:
			break;
		}
	}
	if (s->nvalid) {
		for (seq = min; seq <= max && seq - min < n; seq++)
			if (pj_record_classify(&ring[seq % n], gen, seq % n, n) != PJ_SLOT_VALID ||
			    ring[seq % n].seq != seq)
				break;
		s->first_seq = min;
		s->last_seq = seq - 1;
	}
	s->next_seq = s->last_seq + 1;
	if (max > s->last_seq) {
		/* Name the newest hole: walk down from the newest record. */
		for (seq = max; seq > min; seq--)
			if (pj_record_classify(&ring[(seq - 1) % n], gen, (seq - 1) % n, n) !=
				    PJ_SLOT_VALID ||
			    ring[(seq - 1) % n].seq != seq - 1)
				break;
		set_corrupt(s, seq - 1, "record missing or damaged, newer records follow");
		return 0;
	}
	/*
	 * Records before the log are gone only because the ring wrapped, and
	 * then the log fills it (less one torn slot at most).
	 */
	if (s->first_seq > 1 && s->last_seq - s->first_seq + 2 < n) {
		set_corrupt(s, s->first_seq - 1, "record missing or damaged, newer records follow");
		return 0;
	}
	/* Only the newest append can be torn: one bad slot, just after the log. */
	torn_slot = s->next_seq % n;
	if (pj_record_classify(&ring[torn_slot], gen, torn_slot, n) == PJ_SLOT_BAD)
		s->torn_seq = s->next_seq;
	for (i = 0; i < n; i++) {
		if (i == torn_slot)
			continue;
		if (pj_record_classify(&ring[i], gen, i, n) == PJ_SLOT_BAD) {
			set_corrupt(s, slot_seq(i, s->last_seq, n), "bad checksum");
			return 0;
		}
	}
	for (seq = s->first_seq; s->nvalid && seq <= s->last_seq; seq++) {
		err = check_payload(&ring[seq % n], s->first_seq, s, &cap, ring, n);
		if (err)
			return err;
		if (s->corrupt)
			return 0;
	}
	/*
	 * journal_append keeps a slot free for each open batch's resolution, so
	 * recovery can always finish.  A log where that does not hold was not
	 * written by it.
	 */
	last = s->next_seq + s->nopen - 1;
	if (s->nopen && (s->nopen >= n || (last >= n && s->open[0] <= last - n)))
		set_corrupt(s, s->open[0], "more open batches than the ring has room to resolve");
	return 0;
}

void pj_scan_free(struct pj_scan *s)
{
	if (!s)
		return;
	free(s->open);
	s->open = NULL;
	s->nopen = 0;
}

int pj_parse_image(const void *buf, size_t len, struct pj_header *h, struct pj_scan *s, char *why,
		   size_t whylen)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (len < sizeof(*h)) {
		snprintf(why, whylen, "too small: %zu bytes, no room for a header", len);
		return -EPROTO;
	}
	memcpy(h, buf, sizeof(*h));
	err = pj_header_check(h, len, why, whylen);
	if (err)
		return err;
	/* The ring is 64-byte aligned in the image (offset 4096). */
	return pj_scan_ring((const struct pj_record *)((const uint8_t *)buf + h->ring_offset),
			    h->nrecords, h->generation, s);
}

/* ------------------------------------------------------------ the handle */

const char *journal_granularity_name(int g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte (eADR)";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache line (DAX, flush+fence)";
	case PMEM2_GRANULARITY_PAGE:
		return "page (msync)";
	}
	return "in memory";
}

int journal_exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EBUSY:
	case -EWOULDBLOCK:
		return EXIT_BUSY;
	case -ELOOP:
	case -EPERM:
	case -EACCES:
	case -ENOENT:
	case -EPROTO:
	case -ENOTSUP:
	case -EEXIST:
	case -ENODEV:
		return EXIT_ENV;
	case -EINVAL:
		return EXIT_USAGE;
	}
	return EXIT_FAIL; /* -EBADFD (journal truncated while mapped) too */
}

/* libpmem2 returns -errno or its own PMEM2_E_* codes; report and fold to -errno. */
static int pmem2_fail(const char *path, const char *what, int ret)
{
	pa_err("journal %s: %s: %s", path, what, pmem2_errormsg());
	if (ret == PMEM2_E_NOSUPP || ret == PMEM2_E_INVALID_FILE_TYPE)
		return -ENOTSUP;
	return ret < 0 && ret > -4096 ? ret : -EIO;
}

/* Refuse what an attacker or a mistake could hand us instead of our journal. */
static int check_file(const char *path, int fd, const struct stat *lst)
{
	struct stat st;

	if (S_ISLNK(lst->st_mode)) {
		pa_err("journal %s: is a symlink; refusing to follow it", path);
		return -ELOOP;
	}
	if (fstat(fd, &st)) {
		pa_err("journal %s: fstat: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		pa_err("journal %s: not a regular file or a devdax device", path);
		return -EPROTO;
	}
	if (st.st_uid != geteuid()) {
		pa_err("journal %s: owned by uid %u, not by uid %u; refusing", path,
		       (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		pa_err("journal %s: mode %04o lets others write it; chmod go-w", path,
		       (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int map_journal(struct journal *j, bool readonly)
{
	struct pmem2_config *cfg = NULL;
	int ret;

	/*
	 * PMEM2_FORCE_GRANULARITY makes libpmem2 skip the flushes our ordering
	 * depends on; a private mapping never reaches the file.  Refuse both.
	 */
	if (getenv("PMEM2_FORCE_GRANULARITY")) {
		pa_err("journal %s: PMEM2_FORCE_GRANULARITY is set and would skip flushes; unset it",
		       j->path);
		return -ENOTSUP;
	}
	ret = pmem2_source_from_fd(&j->src, j->fd);
	if (ret)
		return pmem2_fail(j->path, "pmem2_source_from_fd", ret);
	ret = pmem2_config_new(&cfg);
	if (ret) {
		ret = pmem2_fail(j->path, "pmem2_config_new", ret);
		goto cleanup;
	}
	/* The coarsest we accept: a plain file gives page granularity (msync). */
	ret = pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE);
	if (!ret)
		ret = pmem2_config_set_sharing(cfg, PMEM2_SHARED);
	if (!ret)
		ret = pmem2_config_set_protection(
			cfg, readonly ? PMEM2_PROT_READ : PMEM2_PROT_READ | PMEM2_PROT_WRITE);
	if (ret) {
		ret = pmem2_fail(j->path, "pmem2_config", ret);
		goto cleanup;
	}
	ret = pmem2_map_new(&j->map, cfg, j->src);
	if (ret) {
		ret = pmem2_fail(j->path, "pmem2_map_new", ret);
		goto cleanup;
	}
	j->base = pmem2_map_get_address(j->map);
	j->granularity = pmem2_map_get_store_granularity(j->map);
	j->persist = pmem2_get_persist_fn(j->map);
	j->usc_ret = pmem2_source_device_usc(j->src, &j->usc);
cleanup:
	pmem2_config_delete(&cfg);
	return ret;
}

/* The mapping faulted: say why in one line, and touch it no more. */
static int mapping_faulted(struct journal *j, uintptr_t addr)
{
	struct stat st;

	j->broken = true;
	if (!fstat(j->fd, &st) && (uint64_t)st.st_size < j->map_len)
		pa_err("journal %s: file shrank to %lld bytes while mapped (truncated by another process?)",
		       j->path, (long long)st.st_size);
	else
		pa_err("journal %s: bus error at offset %llu of the mapping (media error?)",
		       j->path, (unsigned long long)(addr - (uintptr_t)j->base));
	return -EBADFD;
}

/* Run @fn on the mapping of @j; a SIGBUS there becomes -EBADFD. */
static int guarded(struct journal *j, map_guard_fn fn, void *arg)
{
	uintptr_t addr = 0;
	int err;

	if (j->broken)
		return -EBADFD;
	if (j->fd < 0) { /* in memory: nothing can shrink under us */
		fn(arg);
		return 0;
	}
	err = map_guard_run(j->base, j->map_len, fn, arg, &addr);
	return err == -EFAULT ? mapping_faulted(j, addr) : err;
}

struct parse_args {
	struct journal *j;
	size_t len;
	char why[128];
	int err;
};

static void parse_mapped(void *arg)
{
	struct parse_args *a = arg;

	a->err =
		pj_parse_image(a->j->base, a->len, &a->j->hdr, &a->j->scan, a->why, sizeof(a->why));
}

static int load(struct journal *j, size_t len)
{
	struct parse_args a = { .j = j, .len = len };
	int err;

	j->map_len = len;
	err = guarded(j, parse_mapped, &a);
	if (err) {
		/* Cut short: the scan may hold a partial open list. */
		pj_scan_free(&j->scan);
		return err;
	}
	err = a.err;
	if (err) {
		pa_err("journal %s: %s", j->path, a.why);
		return err;
	}
	j->ring = (struct pj_record *)((uint8_t *)j->base + j->hdr.ring_offset);
	j->nrecords = j->hdr.nrecords;
	j->next_seq = j->scan.next_seq;
	/* The handle owns a copy it can grow; the scan keeps what was found. */
	if (j->scan.nopen) {
		j->open = malloc(j->scan.nopen * sizeof(*j->open));
		if (!j->open)
			return -ENOMEM;
		memcpy(j->open, j->scan.open, j->scan.nopen * sizeof(*j->open));
		j->nopen = j->open_cap = j->scan.nopen;
	}
	return 0;
}

static struct journal *journal_alloc(const char *path)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fd = -1;
	j->granularity = -1;
	j->usc_ret = -ENOTSUP;
	j->path = strdup(path);
	if (!j->path) {
		free(j);
		return NULL;
	}
	return j;
}

int journal_open(struct journal **jp, const char *path, int flags)
{
	bool readonly = flags & PJ_OPEN_RDONLY;
	struct journal *j;
	struct stat lst;
	ssize_t size;
	int err;

	*jp = NULL;
	j = journal_alloc(path);
	if (!j)
		return -ENOMEM;
	j->readonly = readonly;
	if (lstat(path, &lst)) {
		err = -errno;
		pa_err("journal %s: %s", path, strerror(errno));
		goto cleanup;
	}
	j->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0) {
		err = -errno;
		pa_err("journal %s: open: %s", path,
		       errno == ELOOP ? "is a symlink; refusing to follow it" : strerror(errno));
		goto cleanup;
	}
	err = check_file(path, j->fd, &lst);
	if (err)
		goto cleanup;
	/* One writer; readers see a journal nobody is appending to. */
	if (flock(j->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		pa_err("journal %s: %s", path,
		       err == -EBUSY ? "in use by another pautonuma process" : strerror(-err));
		goto cleanup;
	}
	err = map_journal(j, readonly);
	if (err)
		goto cleanup;
	err = map_guard_arm();
	if (err) {
		pa_err("journal %s: SIGBUS handler: %s", path, strerror(-err));
		goto cleanup;
	}
	crash_point("journal-mapped");
	size = pmem2_map_get_size(j->map);
	err = load(j, size);
	if (err)
		goto cleanup;
	*jp = j;
	return 0;
cleanup:
	journal_close(j);
	return err;
}

int journal_open_mem(struct journal **jp, void *image, size_t len, pj_persist_fn persist)
{
	struct journal *j;
	int err;

	*jp = NULL;
	j = journal_alloc("(memory)");
	if (!j)
		return -ENOMEM;
	j->base = image;
	j->persist = persist;
	err = load(j, len);
	if (err) {
		journal_close(j);
		return err;
	}
	*jp = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	pj_scan_free(&j->scan);
	free(j->open);
	if (j->map)
		pmem2_map_delete(&j->map);
	if (j->src)
		pmem2_source_delete(&j->src);
	if (j->fd >= 0)
		close(j->fd); /* drops the flock */
	free(j->path);
	free(j);
}

struct read_args {
	const struct pj_record *slot;
	struct pj_record *out;
};

static void read_mapped(void *arg)
{
	struct read_args *a = arg;

	memcpy(a->out, a->slot, sizeof(*a->out));
}

int journal_read(struct journal *j, uint64_t seq, struct pj_record *out)
{
	struct read_args a = { .slot = &j->ring[seq % j->nrecords], .out = out };
	int err;

	if (!seq || seq >= j->next_seq)
		return -ENOENT;
	err = guarded(j, read_mapped, &a);
	if (err)
		return err;
	return out->seq == seq ? 0 : -ENOENT;
}

/*
 * Appending at @seq with @k batches left open afterwards uses slot @seq now
 * and, later, one slot per open batch for its resolution.  Refuse if any of
 * those would overwrite a BEGIN that recovery still needs.
 */
static bool overwrites_open(const struct journal *j, uint64_t seq, uint64_t k)
{
	uint64_t last = seq + k;

	if (k >= j->nrecords)
		return true;
	return j->nopen && last >= j->nrecords && j->open[0] <= last - j->nrecords;
}

struct store_args {
	struct journal *j;
	const struct pj_record *r;
	struct pj_record *slot;
};

static void store_mapped(void *arg)
{
	struct store_args *a = arg;
	const struct pj_record *r = a->r;

	memcpy(a->slot, r, sizeof(*r));
	/* Killed here, a file journal still has the record (page cache); a power cut may not. */
	crash_point(r->type == PJ_BEGIN	    ? "begin-written" :
		    r->type == PJ_COMMIT    ? "commit-written" :
		    r->type == PJ_RECOVERED ? "recovered-written" :
					      "record-written");
	a->j->persist(a->slot, sizeof(*a->slot));
}

int64_t journal_append(struct journal *j, struct pj_record *r)
{
	struct store_args a;
	struct timespec ts;
	uint64_t seq = j->next_seq;
	bool resolves;
	int err;

	if (j->readonly)
		return -EBADF;
	if (j->broken)
		return -EBADFD;
	if (j->scan.corrupt)
		return -EUCLEAN;
	if (r->type < 1 || r->type > PJ_TYPE_MAX)
		return -EINVAL;
	resolves = r->type == PJ_COMMIT || r->type == PJ_ABORT || r->type == PJ_RECOVERED;
	/* Every open batch (a new BEGIN too) keeps a slot for its resolution. */
	if (overwrites_open(j, seq,
			    resolves ? (j->nopen ? j->nopen - 1 : 0) :
				       j->nopen + (r->type == PJ_BEGIN)))
		return -ENOSPC;
	if (resolves) {
		err = open_remove(j->open, &j->nopen, r->u.commit.begin_seq);
		if (err)
			return -EINVAL;
	} else if (r->type == PJ_BEGIN) {
		err = open_push(&j->open, &j->nopen, &j->open_cap, seq);
		if (err)
			return err;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r->seq = seq;
	r->gen = j->hdr.generation;
	r->flags = 0;
	r->time_ns = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	pj_record_seal(r);
	a.j = j;
	a.r = r;
	a.slot = &j->ring[seq % j->nrecords];
	err = guarded(j, store_mapped, &a);
	if (err)
		return err; /* the open list now disagrees with the file: j->broken */
	j->next_seq = seq + 1;
	return seq;
}

int journal_create(const char *path, uint64_t size, bool force)
{
	struct pj_header h;
	uint8_t uuid[16];
	uint32_t gen = 0;
	struct stat st;
	int fd, err;

	if (size < PJ_HEADER_SIZE + (uint64_t)PJ_MIN_RECORDS * PJ_RECORD_SIZE ||
	    size > PJ_MAX_SIZE) {
		pa_err("journal %s: size %" PRIu64 " out of range (%d .. %llu bytes)", path, size,
		       PJ_HEADER_SIZE + PJ_MIN_RECORDS * PJ_RECORD_SIZE, PJ_MAX_SIZE);
		return -EINVAL;
	}
	if (!lstat(path, &st) && S_ISLNK(st.st_mode)) {
		pa_err("journal %s: is a symlink; refusing to follow it", path);
		return -ELOOP;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? 0 : O_EXCL), 0600);
	if (fd < 0) {
		err = -errno;
		pa_err("journal %s: create: %s%s", path, strerror(errno),
		       errno == EEXIST ? " (use --force to replace it)" : "");
		return err;
	}
	if (lstat(path, &st)) {
		err = -errno;
		pa_err("journal %s: %s", path, strerror(errno));
		goto cleanup;
	}
	err = check_file(path, fd, &st);
	if (err)
		goto cleanup;
	if (S_ISCHR(st.st_mode)) {
		pa_err("journal %s: creating a journal on a devdax device is not supported yet",
		       path);
		err = -ENOTSUP;
		goto cleanup;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		pa_err("journal %s: %s", path,
		       err == -EBUSY ? "in use by another pautonuma process" : strerror(-err));
		goto cleanup;
	}
	/* Fresh zeroes: no stale records, no torn header left from before. */
	if (ftruncate(fd, 0) || ftruncate(fd, size)) {
		err = -errno;
		pa_err("journal %s: ftruncate: %s", path, strerror(errno));
		goto cleanup;
	}
	if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid) ||
	    getrandom(&gen, sizeof(gen), 0) != sizeof(gen)) {
		err = -errno;
		pa_err("journal %s: getrandom: %s", path, strerror(errno));
		goto cleanup;
	}
	pj_header_init(&h, size, gen ? gen : 1, uuid);
	if (pwrite(fd, &h, sizeof(h), 0) != sizeof(h) || fsync(fd)) {
		err = errno ? -errno : -EIO;
		pa_err("journal %s: write header: %s", path, strerror(-err));
		goto cleanup;
	}
	err = 0;
cleanup:
	close(fd);
	return err;
}
