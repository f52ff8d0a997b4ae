// SPDX-License-Identifier: GPL-2.0
/* The report's SVG; see heatmap_svg.h. */
#include <errno.h>
#include <math.h>

#include "heatmap_svg.h"

#define W 960
#define LEFT 150 /* address labels */
#define RIGHT 20
#define TOP 50
#define HEAT_H 420
#define GAP 60
#define RES_H 180
#define BOTTOM 50
#define H (TOP + HEAT_H + GAP + RES_H + BOTTOM)

/* Black-body scale (dark blue - red - yellow - white) at @v in [0, 1]. */
static void heat_color(double v, char *buf, size_t len)
{
	static const double stops[][3] = {
		{ 12, 7, 50 },	  { 120, 28, 109 },  { 222, 73, 60 },
		{ 252, 180, 40 }, { 252, 255, 200 },
	};
	double x = fmin(fmax(v, 0), 1) * 4;
	int i = (int)fmin(floor(x), 3);
	double f = x - i;

	snprintf(buf, len, "#%02x%02x%02x",
		 (int)lround(stops[i][0] + (stops[i + 1][0] - stops[i][0]) * f),
		 (int)lround(stops[i][1] + (stops[i + 1][1] - stops[i][1]) * f),
		 (int)lround(stops[i][2] + (stops[i + 1][2] - stops[i][2]) * f));
}

static void heat_panel(FILE *f, const struct heatmap *hm)
{
	double cw = (double)(W - LEFT - RIGHT) / (double)hm->ncols;
	double rh = (double)HEAT_H / (double)hm->nrows;
	__u64 max = 1;
	char color[16];
	size_t c, r;

	for (c = 0; c < hm->ncols * hm->nrows; c++)
		if (hm->faults[c] > max)
			max = hm->faults[c];
	fprintf(f, "<g id=\"heat\" data-max-faults=\"%llu\">\n", (unsigned long long)max);
	/* Low addresses at the bottom, like an address-space diagram. */
	for (c = 0; c < hm->ncols; c++) {
		for (r = 0; r < hm->nrows; r++) {
			__u64 v = hm->faults[c * hm->nrows + r];

			heat_color(log1p((double)v) / log1p((double)max), color, sizeof(color));
			fprintf(f,
				"<rect class=\"cell\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				"height=\"%.2f\" fill=\"%s\" data-col=\"%zu\" data-row=\"%zu\" "
				"data-t=\"%.1f\" data-lo=\"0x%llx\" data-hi=\"0x%llx\" "
				"data-faults=\"%llu\"/>\n",
				LEFT + c * cw, TOP + HEAT_H - (r + 1) * rh, cw + 0.05, rh + 0.05,
				color, c, r, hm->t[c], (unsigned long long)hm->row_lo[r],
				(unsigned long long)hm->row_hi[r], (unsigned long long)v);
		}
	}
	fprintf(f, "</g>\n");
	/* Address labels: bottom, middle and top rows. */
	for (r = 0; r < hm->nrows; r += (hm->nrows > 2 ? (hm->nrows - 1) / 2 : 1))
		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">0x%llx</text>\n",
			LEFT - 6, TOP + HEAT_H - (r + 0.5) * rh + 4,
			(unsigned long long)hm->row_lo[r]);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" class=\"lab\">hint faults per interval, log scale "
		"(max %llu); rows: the pages seen, in address order</text>\n",
		LEFT, TOP - 8, (unsigned long long)max);
}

static void residency_panel(FILE *f, const struct heatmap *hm)
{
	static const char *const fast[] = { "#1f77b4", "#6baed6", "#08519c" };
	static const char *const slow[] = { "#ff7f0e", "#fdae6b", "#a63603" };
	double cw = (double)(W - LEFT - RIGHT) / (double)hm->ncols;
	int y0 = TOP + HEAT_H + GAP, n, nf = 0, ns = 0;
	const char *color[PAUTONUMA_MAX_NODES];
	__u64 max = 1, sum;
	double y, hgt;
	size_t c;

	for (n = 0; n < PAUTONUMA_MAX_NODES; n++)
		color[n] = hm->tier[n] == 1 ? slow[ns++ % 3] : fast[nf++ % 3];
	for (c = 0; c < hm->ncols; c++) {
		for (sum = 0, n = 0; n < PAUTONUMA_MAX_NODES; n++)
			sum += hm->resident[c][n];
		if (sum > max)
			max = sum;
	}
	fprintf(f, "<g id=\"residency\" data-max-pages=\"%llu\">\n", (unsigned long long)max);
	for (c = 0; c < hm->ncols; c++) {
		y = y0 + RES_H;
		for (n = 0; n < PAUTONUMA_MAX_NODES; n++) {
			if (!hm->resident[c][n])
				continue;
			hgt = (double)RES_H * (double)hm->resident[c][n] / (double)max;
			y -= hgt;
			fprintf(f,
				"<rect class=\"res\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				"height=\"%.2f\" fill=\"%s\" data-col=\"%zu\" data-node=\"%d\" "
				"data-pages=\"%llu\"/>\n",
				LEFT + c * cw, y, cw + 0.05, hgt, color[n], c, n,
				(unsigned long long)hm->resident[c][n]);
		}
	}
	fprintf(f,
		"</g>\n<text x=\"%d\" y=\"%d\" class=\"lab\">resident pages per node "
		"(max %llu):",
		LEFT, y0 - 8, (unsigned long long)max);
	for (n = 0; n < PAUTONUMA_MAX_NODES; n++)
		if (hm->tier[n] >= 0)
			fprintf(f, " <tspan fill=\"%s\">&#9632; node %d (%s)</tspan>", color[n], n,
				hm->tier[n] ? "slow" : "fast");
	fprintf(f, "</text>\n");
}

int heatmap_svg_write(FILE *f, const struct heatmap *hm)
{
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" data-pid=\"%u\" data-cols=\"%zu\" data-rows=\"%zu\">\n"
		"<style>.lab{font:12px sans-serif;fill:#222}.title{font:bold 15px sans-serif}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"22\" class=\"title\">pautonuma report: pid %u, %zu intervals "
		"over %.0f s</text>\n",
		W, H, W, H, hm->pid, hm->ncols, hm->nrows, LEFT, hm->pid, hm->ncols,
		hm->ncols ? hm->t[hm->ncols - 1] : 0.0);
	if (hm->ncols && hm->nrows)
		heat_panel(f, hm);
	if (hm->ncols)
		residency_panel(f, hm);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" class=\"lab\">time (s) &#8594; 0 .. %.0f</text>\n"
		"</svg>\n",
		LEFT, H - 15, hm->ncols ? hm->t[hm->ncols - 1] : 0.0);
	return ferror(f) ? -EIO : 0;
}
