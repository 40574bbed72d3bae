/* SPDX-License-Identifier: Apache-2.0 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "containerd/cgroups_metrics.pb-c.h"
#include "pb.h"
#include "process_tree.h"
#include "procfs.h"

int stats_collect(const struct runtime *rt, const char *id, Google__Protobuf__Any *any, struct error **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (process_tree_pids(rt, id, NULL, &pids, &n, err) < 0)
		return -1;
	unsigned long long user = 0, kernel = 0, rss_pages = 0;
	uint64_t counted = 0;
	for (size_t i = 0; i < n; i++) {
		struct proc_stat st;
		if (procfs_stat(pids[i], &st, NULL) < 0)
			continue; /* exited meanwhile */
		user += st.utime;
		kernel += st.stime;
		rss_pages += st.rss_pages > 0 ? (unsigned long long)st.rss_pages : 0;
		counted++;
	}
	uint64_t ns_per_tick = 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t rss = rss_pages * (uint64_t)sysconf(_SC_PAGESIZE);

	Io__Containerd__Cgroups__V1__CPUUsage usage = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
	usage.user = user * ns_per_tick;
	usage.kernel = kernel * ns_per_tick;
	usage.total = usage.user + usage.kernel;
	Io__Containerd__Cgroups__V1__CPUStat cpu = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
	cpu.usage = &usage;
	Io__Containerd__Cgroups__V1__MemoryEntry mem_usage = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	mem_usage.usage = rss;
	Io__Containerd__Cgroups__V1__MemoryStat memory = IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
	memory.rss = memory.total_rss = rss;
	memory.usage = &mem_usage;
	Io__Containerd__Cgroups__V1__PidsStat pids_stat = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
	pids_stat.current = counted;
	Io__Containerd__Cgroups__V1__Metrics metrics = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
	metrics.cpu = &cpu;
	metrics.memory = &memory;
	metrics.pids = &pids_stat;

	if (pb_pack_any(&metrics.base, "io.containerd.cgroups.v1.Metrics", any) < 0)
		return err_sys(err, ENOMEM, "stats");
	return 0;
}
