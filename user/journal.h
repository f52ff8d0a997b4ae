/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The persistent move journal: on-media format (pure functions on byte
 * buffers, shared by the tools, the tests and the fuzzer) and a handle that
 * maps a journal file with libpmem2, locks it and appends records.
 *
 * Layout: a 4 KiB header page, then a ring of 64-byte records (one cache
 * line each).  Record with sequence number S lives in slot S % nrecords; S
 * starts at 1.  The header is written once, at init, and never again, so it
 * cannot be torn by a crash while the journal is in use.  A record is valid
 * when its CRC32C matches, its generation is the header's and its slot
 * agrees with its sequence number; a valid checksum is the commit point.
 */
#ifndef PAUTONUMA_JOURNAL_H
#define PAUTONUMA_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PJ_MAGIC "PAUTOJNL"
#define PJ_VERSION 1
#define PJ_HEADER_SIZE 4096
#define PJ_RECORD_SIZE 64
#define PJ_MIN_RECORDS 16
#define PJ_DEFAULT_SIZE (1024 * 1024)
#define PJ_MAX_SIZE (1ULL << 34)
#define PJ_MAX_BATCH_PAGES 4096 /* pages per BEGIN */

enum pj_type {
	PJ_BEGIN = 1, /* a batch is about to be moved; nothing moves before this is durable */
	PJ_COMMIT = 2, /* move_pages returned; per-page outcome counts */
	PJ_ABORT = 3, /* move_pages failed as a whole (errno); locations re-queried */
	PJ_RECOVERED = 4, /* recovery resolved a batch left without COMMIT */
	PJ_OBSERVED = 5, /* a migration the kernel did on its own (not bracketed) */
	PJ_TYPE_MAX = PJ_OBSERVED,
};

/* Outcome of a batch resolved by recovery (pj_recovered.outcome). */
enum pj_outcome {
	PJ_ROLLED_FORWARD = 1, /* same process: pages moved (again) to the destination */
	PJ_ABANDONED_GONE = 2, /* process exited: nothing touched */
	PJ_ABANDONED_RECYCLED = 3, /* PID reused by another process: nothing touched */
	PJ_ABANDONED_ERROR = 4, /* re-query or move failed; err holds the errno */
};

/* Per-page outcome counts, as move_pages(2) reported them. */
struct pj_counts {
	uint32_t at_dst; /* status == destination node */
	uint32_t elsewhere; /* status >= 0 but another node */
	uint32_t enoent; /* not present (never touched, or unmapped) */
	uint32_t efault; /* not mapped / not movable (zero page, ...) */
	uint32_t ebusy; /* still busy after the bounded retries */
	uint32_t other; /* -ENOMEM, -EACCES, ... or status not reported */
};

struct pj_begin {
	uint32_t tgid;
	int32_t dst_node;
	uint64_t start_time; /* /proc/PID/stat field 22: a recycled PID differs */
	uint64_t addr; /* first page, page aligned */
	uint32_t npages; /* contiguous pages from addr */
	uint32_t page_shift;
};

struct pj_commit { /* COMMIT, ABORT and RECOVERED */
	uint64_t begin_seq;
	struct pj_counts c;
};

struct pj_record {
	uint64_t seq; /* 0 */
	uint32_t gen; /* 8: header generation; stale records don't match */
	uint16_t type; /* 12: enum pj_type */
	uint16_t flags; /* 14: reserved, 0 */
	uint64_t time_ns; /* 16: CLOCK_REALTIME when appended */
	union { /* 24 */
		struct pj_begin begin;
		struct pj_commit commit;
		uint8_t raw[32];
	} u;
	uint16_t outcome; /* 56: RECOVERED: enum pj_outcome */
	int16_t err; /* 58: ABORT / ABANDONED_ERROR: errno */
	uint32_t csum; /* 60: CRC32C of bytes 0..59 */
};

struct pj_header {
	char magic[8]; /* 0: PJ_MAGIC, no NUL */
	uint32_t version; /* 8 */
	uint32_t record_size; /* 12 */
	uint64_t size; /* 16: file size the journal was made for */
	uint64_t ring_offset; /* 24 */
	uint64_t nrecords; /* 32 */
	uint32_t generation; /* 40: random, non-zero, per init */
	uint32_t flags; /* 44 */
	uint8_t uuid[16]; /* 48 */
	uint64_t created_ns; /* 64 */
	uint8_t reserved[52]; /* 72 */
	uint32_t csum; /* 124: CRC32C of bytes 0..123 */
};

_Static_assert(sizeof(struct pj_record) == PJ_RECORD_SIZE, "record = one cache line");
_Static_assert(sizeof(struct pj_commit) == 32, "commit payload");
_Static_assert(sizeof(struct pj_begin) == 32, "begin payload");
_Static_assert(sizeof(struct pj_header) == 128, "header");

uint32_t pj_crc32c(uint32_t crc, const void *buf, size_t len);

const char *pj_type_name(unsigned int type);
const char *pj_outcome_name(unsigned int outcome);

/* Fill a header for a file of @size bytes; the ring is what fits after it. */
int pj_header_init(struct pj_header *h, uint64_t size, uint32_t gen, const uint8_t uuid[16]);
/*
 * Check a header read from a file of @file_size bytes.  Returns 0 or
 * -EPROTO with a reason in @why (wrong magic, version, checksum, sizes).
 */
int pj_header_check(const struct pj_header *h, uint64_t file_size, char *why, size_t whylen);

void pj_record_seal(struct pj_record *r);

enum pj_slot {
	PJ_SLOT_EMPTY, /* all zero: never written */
	PJ_SLOT_VALID,
	PJ_SLOT_STALE, /* good checksum, other generation: an older journal */
	PJ_SLOT_BAD, /* bad checksum, type or slot: torn or corrupt */
};

enum pj_slot pj_record_classify(const struct pj_record *r, uint32_t gen, uint64_t slot,
				uint64_t nrecords);

/* What a scan of the ring found. */
struct pj_scan {
	uint64_t first_seq; /* oldest record of the log, 0 if empty */
	uint64_t last_seq; /* newest valid record, 0 if empty */
	uint64_t next_seq; /* where the next append goes */
	uint64_t torn_seq; /* a discarded torn record just after last_seq, or 0 */
	uint64_t nvalid, nstale, nbad;
	/* unresolved batches: BEGIN seqs in increasing order */
	uint64_t *open;
	size_t nopen;
	/* corruption: the log cannot be trusted */
	bool corrupt;
	uint64_t corrupt_rec; /* "corrupt at record N": sequence number */
	char why[160];
};

/*
 * Scan a ring of @nrecords records of generation @gen.  The log is the run
 * of consecutive sequence numbers starting at the oldest valid record; one
 * bad slot just after it is a torn last append and is discarded.  Anything
 * else (a hole with valid records after it, a resolution of an unknown or
 * already resolved batch) sets ->corrupt.  Returns 0 or -ENOMEM.
 */
int pj_scan_ring(const struct pj_record *ring, uint64_t nrecords, uint32_t gen, struct pj_scan *s);
void pj_scan_free(struct pj_scan *s);

/* Parse a whole journal image (header + ring) held in memory. */
int pj_parse_image(const void *buf, size_t len, struct pj_header *h, struct pj_scan *s, char *why,
		   size_t whylen);

/* ------------------------------------------------------------ the handle */

typedef void (*pj_persist_fn)(const void *addr, size_t len);

struct journal {
	int fd; /* -1 for an in-memory journal */
	char *path;
	struct pmem2_source *src;
	struct pmem2_map *map;
	pj_persist_fn persist;
	void *base; /* header */
	struct pj_record *ring;
	struct pj_header hdr; /* validated copy */
	uint64_t nrecords;
	uint64_t next_seq;
	uint64_t *open; /* unresolved BEGIN seqs, increasing */
	size_t nopen, open_cap;
	struct pj_scan scan; /* as found at open */
	bool readonly;
	bool broken; /* the mapping faulted (file shrank): no more access */
	size_t map_len;
	int granularity; /* enum pmem2_granularity, -1 in memory */
	int usc_ret; /* 0 if usc is valid, else why not */
	uint64_t usc;
};

enum { PJ_OPEN_RDWR = 0, PJ_OPEN_RDONLY = 1 };

/*
 * Create a journal file of @size bytes (O_EXCL unless @force; mode 0600).
 * A character device (devdax) is written in place.
 */
int journal_create(const char *path, uint64_t size, bool force);
/*
 * Open, check (symlink, owner, mode, header), lock (exclusive for writers,
 * shared for readers, never waiting: -EBUSY if held) and map with libpmem2.
 * A corrupt log is not an error here: see j->scan.corrupt.
 */
int journal_open(struct journal **jp, const char *path, int flags);
/* A journal over a caller-owned image, for tests and the fuzzer. */
int journal_open_mem(struct journal **jp, void *image, size_t len, pj_persist_fn persist);
void journal_close(struct journal *j);

/*
 * Append @r (type and payload filled in by the caller), persist it and
 * return its sequence number (> 0), or -ENOSPC when the slot it would use
 * still holds an unresolved BEGIN, or -EUCLEAN on a corrupt journal.
 */
int64_t journal_append(struct journal *j, struct pj_record *r);
/* Copy record @seq of the log to @out: 0, -ENOENT (not in the log), -EBADFD. */
int journal_read(struct journal *j, uint64_t seq, struct pj_record *out);

/*
 * Every access to a file journal's mapping (open's scan, append, read)
 * runs under a SIGBUS guard (map_guard.h): if another process truncates
 * the file while it is mapped, the access fails with -EBADFD after one
 * line naming the file and its new size, and the handle refuses any
 * further access; nothing more is written, what was persisted stays.
 */

const char *journal_granularity_name(int g);

/* Map a -errno from the journal/mover to a CLI exit code. */
int journal_exit_code(int err);

#endif
