// SPDX-License-Identifier: GPL-2.0
/* Unit tests: the CLI's shared conventions (user/cli.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cli.h"

/* cli_json_string(@in) as a malloc'd string. */
static char *json_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_json_string(f, in);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect_json(const char *in, const char *want)
{
	char *got = json_of(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_json_string(void **state)
{
	(void)state;
	expect_json("", "\"\"");
	expect_json("/var/lib/pautonuma/journal", "\"/var/lib/pautonuma/journal\"");
	expect_json("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_json("tab\tnl\n\x01\x1f", "\"tab\\u0009nl\\u000a\\u0001\\u001f\"");
	expect_json("\x7f", "\"\x7f\""); /* DEL needs no escape */
	/* Well-formed UTF-8 passes as is: 2, 3 and 4 bytes. */
	expect_json("n\xc3\xb6"
		    "de \xe2\x82\xac \xf0\x9f\x90\xa7",
		    "\"n\xc3\xb6"
		    "de \xe2\x82\xac \xf0\x9f\x90\xa7\"");
	/* Bytes that are not UTF-8 become U+FFFD, one each. */
	expect_json("a\xff"
		    "b",
		    "\"a\\ufffdb\"");
	expect_json("\xc3", "\"\\ufffd\""); /* truncated at the end */
	expect_json("\xc3(", "\"\\ufffd(\"");
	expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
	expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* a surrogate */
	expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	expect_json("\xe2\x82", "\"\\ufffd\\ufffd\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
