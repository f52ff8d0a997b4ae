/* SPDX-License-Identifier: GPL-2.0 */
/* One-line error reporting: "pautonuma: <what>: <why>" on stderr. */
#ifndef PAUTONUMA_ERRMSG_H
#define PAUTONUMA_ERRMSG_H

#include <stdio.h>

#define pa_err(fmt, ...) fprintf(stderr, "pautonuma: " fmt "\n", ##__VA_ARGS__)

#endif
