// SPDX-License-Identifier: GPL-2.0
/* topology: tiers from a fake sysfs tree shaped like the rig's and a DRAM+CXL box. */
#include <errno.h>
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

#include "fake_tree.h"
#include "topology.h"

static void meminfo(int node, unsigned long total, unsigned long freekb)
{
	char rel[128], buf[256];

	snprintf(rel, sizeof(rel), "devices/system/node/node%d/meminfo", node);
	snprintf(buf, sizeof(buf),
		 "Node %d MemTotal:       %lu kB\nNode %d MemFree:        %lu kB\n"
		 "Node %d MemUsed:        %lu kB\nNode %d Active:         %lu kB\n"
		 "Node %d Inactive:       %lu kB\nNode %d Active(anon):   %lu kB\n",
		 node, total, node, freekb, node, total - freekb, node, (total - freekb) / 4, node,
		 (total - freekb) / 2, node, total);
	fake_put(rel, buf);
}

static int setup(void **state)
{
	fake_tree_create("topo");
	return 0;
}

static int teardown(void **state)
{
	return fake_tree_remove();
}

/* The rig: node 0 DRAM + CPUs in tier 4, node 1 dax kmem in tier 22. */
static void test_memory_tiers(void **state)
{
	struct topology t;
	char why[256];

	fake_put("devices/system/node/has_memory", "0-1\n");
	fake_put("devices/system/node/has_cpu", "0\n");
	meminfo(0, 914000, 800000);
	meminfo(1, 1966080, 1966000);
	fake_put("devices/virtual/memory_tiering/memory_tier4/nodelist", "0\n");
	fake_put("devices/virtual/memory_tiering/memory_tier22/nodelist", "1\n");
	assert_int_equal(topology_read(fake_root, &t, why, sizeof(why)), 0);
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.source, TOPO_FROM_MEMORY_TIERS);
	assert_int_equal(t.nodes[0].tier, TOPO_FAST);
	assert_int_equal(t.nodes[1].tier, TOPO_SLOW);
	assert_int_equal(t.nodes[1].memory_tier, 22);
	assert_false(t.nodes[1].has_cpus);
	assert_int_equal(t.nodes[1].total_kb, 1966080);
	assert_int_equal(t.nodes[0].free_kb, 800000);
	/* Active + Inactive: what reclaim can take */
	assert_int_equal(t.nodes[0].lru_kb, 114000 / 4 + 114000 / 2);
	assert_int_equal(topology_count(&t, TOPO_FAST), 1);

	meminfo(0, 914000, 1234);
	assert_int_equal(topology_refresh(fake_root, &t), 0);
	assert_int_equal(topology_node(&t, 0)->free_kb, 1234);
	assert_int_equal(topology_node(&t, 0)->lru_kb, (914000 - 1234) / 4 + (914000 - 1234) / 2);
}

/* Two DRAM nodes sharing a tier, a CXL node below: both DRAM nodes fast. */
static void test_two_fast_nodes_one_tier(void **state)
{
	struct topology t;
	char why[256];

	fake_put("devices/system/node/has_memory", "0-2\n");
	fake_put("devices/system/node/has_cpu", "0-1\n");
	meminfo(0, 1000, 10);
	meminfo(1, 1000, 10);
	meminfo(2, 4000, 10);
	fake_put("devices/virtual/memory_tiering/memory_tier4/nodelist", "0-1\n");
	fake_put("devices/virtual/memory_tiering/memory_tier22/nodelist", "2\n");
	assert_int_equal(topology_read(fake_root, &t, why, sizeof(why)), 0);
	assert_int_equal(topology_count(&t, TOPO_FAST), 2);
	assert_int_equal(topology_node(&t, 2)->tier, TOPO_SLOW);
}

/* No memory_tiering directory (older kernels): CPU-less means slow. */
static void test_cpuless_fallback(void **state)
{
	struct topology t;
	char why[256];

	fake_put("devices/system/node/has_memory", "0,2\n");
	fake_put("devices/system/node/has_cpu", "0\n");
	meminfo(0, 1000, 10);
	meminfo(2, 4000, 10);
	assert_int_equal(topology_read(fake_root, &t, why, sizeof(why)), 0);
	assert_int_equal(t.source, TOPO_FROM_CPULESS);
	assert_int_equal(t.nr, 2);
	assert_int_equal(topology_node(&t, 2)->tier, TOPO_SLOW);
	assert_null(topology_node(&t, 1));
}

static void test_override(void **state)
{
	struct topology t;
	char why[256];

	fake_put("devices/system/node/has_memory", "0-2\n");
	fake_put("devices/system/node/has_cpu", "0\n");
	meminfo(0, 1000, 10);
	meminfo(1, 1000, 10);
	meminfo(2, 1000, 10);
	assert_int_equal(topology_read(fake_root, &t, why, sizeof(why)), 0);
	assert_int_equal(topology_count(&t, TOPO_SLOW), 2);
	assert_int_equal(topology_override(&t, "fast=0-1,slow=2", why, sizeof(why)), 0);
	assert_int_equal(t.source, TOPO_FROM_OVERRIDE);
	assert_int_equal(topology_node(&t, 1)->tier, TOPO_FAST);
	assert_int_equal(topology_node(&t, 2)->tier, TOPO_SLOW);

	/* A bad spec changes nothing and says why. */
	assert_int_equal(topology_override(&t, "slow=1,fast=7", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "node 7"));
	assert_int_equal(topology_node(&t, 1)->tier, TOPO_FAST);
	assert_int_equal(topology_override(&t, "warm=1", why, sizeof(why)), -EINVAL);
	assert_int_equal(topology_override(&t, "0,1", why, sizeof(why)), -EINVAL);
}

static void test_nodelist(void **state)
{
	uint64_t m;

	assert_int_equal(topology_parse_nodelist("0-2,5\n", &m), 0);
	assert_int_equal(m, 0x27);
	assert_int_equal(topology_parse_nodelist("", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(topology_parse_nodelist("3-1", &m), -EINVAL);
	assert_int_equal(topology_parse_nodelist("64", &m), -EINVAL);
	assert_int_equal(topology_parse_nodelist("1,x", &m), -EINVAL);
	assert_int_equal(topology_parse_nodelist("1-", &m), -EINVAL);
}

static void test_missing_sysfs(void **state)
{
	struct topology t;
	char why[256];

	assert_int_equal(topology_read(fake_root, &t, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "has_memory"));
}

/* Shape of /proc/zoneinfo on the rig: node 1 onlined movable, then not. */
static void test_kernel_pages(void **state)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/zoneinfo", fake_root);
	fake_put("zoneinfo",
		 "Node 0, zone      DMA\n  pages free     3968\n        managed  3840\n"
		 "Node 0, zone    DMA32\n  pages free     20000\n        managed  60000\n"
		 "Node 0, zone  Movable\n        managed  0\n"
		 "Node 1, zone   Normal\n        managed  0\n"
		 "Node 1, zone  Movable\n  pages free     229376\n        managed  229376\n");
	assert_int_equal(topology_kernel_pages(path, 0), 63840);
	assert_int_equal(topology_kernel_pages(path, 1), 0);
	assert_int_equal(topology_kernel_pages(path, 2), -ENOENT);
	fake_put("zoneinfo", "Node 1, zone   Normal\n        managed  229376\n"
			     "Node 1, zone  Movable\n        managed  0\n");
	assert_int_equal(topology_kernel_pages(path, 1), 229376);
	snprintf(path, sizeof(path), "%s/no-such-file", fake_root);
	assert_int_equal(topology_kernel_pages(path, 1), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memory_tiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_fast_nodes_one_tier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuless_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
		cmocka_unit_test(test_nodelist),
		cmocka_unit_test_setup_teardown(test_missing_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_pages, setup, teardown),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
