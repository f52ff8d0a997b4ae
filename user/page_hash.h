/* SPDX-License-Identifier: GPL-2.0 */
/* The hash of one page of one process, for the tables that track pages by it. */
#ifndef PAUTONUMA_PAGE_HASH_H
#define PAUTONUMA_PAGE_HASH_H

#include <stdint.h>

/* @vpn: the page number (address >> page shift); mixes both halves into the low bits. */
static inline uint64_t page_hash(uint32_t tgid, uint64_t vpn)
{
	uint64_t h = vpn * 0x9e3779b97f4a7c15ull ^ ((uint64_t)tgid * 0xc2b2ae3d27d4eb4full);

	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

#endif
