// SPDX-License-Identifier: GPL-2.0
/* A process's hint faults and residency over intervals, binned for report. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "heat_history.h"
#include "heatmap_svg.h"

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Add one interval's pages of @pid as a new column. */
int hist_add(struct history *hs, const struct pn_stats_header *h, const struct pn_stats_page *pg,
	     __u32 pid, const __u64 *res)
{
	size_t c = hs->ncols, i;
	__u32 k;

	if (!c)
		hs->first_ns = h->written_ns;
	hs->t[c] = (double)(h->written_ns - hs->first_ns) / 1e9;
	memcpy(hs->res[c], res, sizeof(hs->res[c]));
	for (k = 0; k < h->nr_nodes; k++)
		if (h->nodes[k].node < PAUTONUMA_MAX_NODES)
			hs->tier[h->nodes[k].node] = (int)h->nodes[k].tier;
	for (i = 0; i < h->nr_pages; i++) {
		if (pg[i].tgid != pid)
			continue;
		if (hs->npages == hs->cap) {
			size_t cap = hs->cap ? hs->cap * 2 : 4096;
			struct hist_page *p = realloc(hs->pages, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			hs->pages = p;
			hs->cap = cap;
		}
		hs->pages[hs->npages++] =
			(struct hist_page){ .addr = pg[i].addr, .faults = pg[i].faults, .col = c };
	}
	hs->ncols++;
	return 0;
}

void hist_table_free(struct hist_table *t)
{
	free(t->lo);
	free(t->hi);
	free(t->rowsum);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/*
 * Rows split the distinct pages seen, in address order, into equal parts:
 * a process's address space is mostly holes, and a linear axis would put
 * its heap, libraries and stack into one row.
 */
int hist_table(const struct history *hs, size_t rows, struct hist_table *t)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 *addrs = NULL;
	size_t *row_of = NULL, d = 0, i, r, per_row, in_row;
	int err = -ENOMEM;

	memset(t, 0, sizeof(*t));
	addrs = calloc(hs->npages ?: 1, sizeof(*addrs));
	if (!addrs)
		goto out;
	for (i = 0; i < hs->npages; i++)
		addrs[i] = hs->pages[i].addr;
	qsort(addrs, hs->npages, sizeof(*addrs), cmp_u64);
	for (i = 0; i < hs->npages; i++)
		if (!d || addrs[d - 1] != addrs[i])
			addrs[d++] = addrs[i];
	t->lo = calloc(d ?: 1, sizeof(*t->lo));
	t->hi = calloc(d ?: 1, sizeof(*t->hi));
	t->rowsum = calloc(d ?: 1, sizeof(*t->rowsum));
	row_of = calloc(d ?: 1, sizeof(*row_of));
	if (!t->lo || !t->hi || !t->rowsum || !row_of)
		goto out;
	/* Equal parts, and a new row at a hole wider than a row: no row spans two mappings. */
	per_row = (d + rows - 1) / (rows ?: 1);
	for (i = 0, r = 0, in_row = 0; i < d; i++) {
		if (i && (in_row == per_row || addrs[i] - addrs[i - 1] > per_row * (__u64)page)) {
			r++;
			in_row = 0;
		}
		if (!in_row)
			t->lo[r] = addrs[i];
		t->hi[r] = addrs[i] + (__u64)page;
		row_of[i] = r;
		in_row++;
	}
	t->npages = d;
	t->nrows = d ? r + 1 : 0;
	t->cells = calloc((t->nrows ?: 1) * (hs->ncols ?: 1), sizeof(*t->cells));
	if (!t->cells)
		goto out;
	for (i = 0; i < hs->npages; i++) {
		const __u64 *at = bsearch(&hs->pages[i].addr, addrs, d, sizeof(*addrs), cmp_u64);

		r = row_of[at - addrs];
		t->cells[hs->pages[i].col * t->nrows + r] += hs->pages[i].faults;
		t->rowsum[r] += hs->pages[i].faults;
	}
	for (r = 1; r < t->nrows; r++)
		if (t->rowsum[r] > t->rowsum[t->best])
			t->best = r;
	err = 0;
out:
	free(addrs);
	free(row_of);
	if (err)
		hist_table_free(t);
	return err;
}

int hist_write_svg(const struct history *hs, const struct hist_table *t, __u32 pid, FILE *f)
{
	return heatmap_svg_write(f, &(struct heatmap){
					    .pid = pid,
					    .ncols = hs->ncols,
					    .nrows = t->nrows,
					    .t = hs->t,
					    .row_lo = t->lo,
					    .row_hi = t->hi,
					    .faults = t->cells,
					    .resident = hs->res,
					    .tier = hs->tier,
				    });
}

void hist_print_summary(const struct history *hs, const struct hist_table *t, __u32 pid, FILE *f)
{
	fprintf(f, "pautonuma: report: pid %u: %zu intervals, %zu pages with hint faults", pid,
		hs->ncols, t->npages);
	if (t->nrows)
		fprintf(f, "; hottest row 0x%llx-0x%llx (%llu faults)",
			(unsigned long long)t->lo[t->best], (unsigned long long)t->hi[t->best],
			(unsigned long long)t->rowsum[t->best]);
	fputc('\n', f);
}

/*
 * The table as one JSON object: per interval its time and resident pages
 * per node; per row its addresses and faults per interval; the hottest row.
 */
void hist_print_json(const struct history *hs, const struct hist_table *t, __u32 pid,
		     const char *svg, FILE *f)
{
	bool used[PAUTONUMA_MAX_NODES] = {};
	size_t c, r;
	int n, k;

	/* The nodes with a tier or with pages at some interval. */
	for (n = 0; n < PAUTONUMA_MAX_NODES; n++)
		for (c = 0, used[n] = hs->tier[n] >= 0; c < hs->ncols && !used[n]; c++)
			used[n] = hs->res[c][n] != 0;
	fprintf(f, "{\"pid\":%u,\"svg\":", pid);
	if (svg)
		cli_json_string(f, svg);
	else
		fputs("null", f);
	fprintf(f, ",\"intervals\":%zu,\"pages\":%zu,\"nodes\":[", hs->ncols, t->npages);
	for (n = 0, k = 0; n < PAUTONUMA_MAX_NODES; n++) {
		if (!used[n])
			continue;
		fprintf(f, "%s{\"node\":%d,\"tier\":", k++ ? "," : "", n);
		if (hs->tier[n] < 0)
			fputs("null", f);
		else
			fputs(hs->tier[n] ? "\"slow\"" : "\"fast\"", f);
		fputc('}', f);
	}
	fputs("],\"t\":[", f);
	for (c = 0; c < hs->ncols; c++)
		fprintf(f, "%s%.3f", c ? "," : "", hs->t[c]);
	fputs("],\"resident\":{", f);
	for (n = 0, k = 0; n < PAUTONUMA_MAX_NODES; n++) {
		if (!used[n])
			continue;
		fprintf(f, "%s\"%d\":[", k++ ? "," : "", n);
		for (c = 0; c < hs->ncols; c++)
			fprintf(f, "%s%llu", c ? "," : "", (unsigned long long)hs->res[c][n]);
		fputc(']', f);
	}
	fputs("},\"rows\":[", f);
	for (r = 0; r < t->nrows; r++) {
		fprintf(f, "%s{\"start\":%llu,\"end\":%llu,\"faults\":%llu,\"by_interval\":[",
			r ? "," : "", (unsigned long long)t->lo[r], (unsigned long long)t->hi[r],
			(unsigned long long)t->rowsum[r]);
		for (c = 0; c < hs->ncols; c++)
			fprintf(f, "%s%llu", c ? "," : "",
				(unsigned long long)t->cells[c * t->nrows + r]);
		fputs("]}", f);
	}
	fputs("],\"hottest_row\":", f);
	if (t->nrows)
		fprintf(f, "%zu", t->best);
	else
		fputs("null", f);
	fputs("}\n", f);
}
