// `describe --path P --backup-id ID`: topics, partitions, segments, gaps of one backup.
#include <cstdio>

#include "catalog/catalog_reader.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/manifest_json.h"
#include "core/time_util.h"

namespace kb::cli {

int RunDescribe(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto m = LoadManifest(**store, a.backup_id);
  if (!m) return ReportError(m.error());
  PrintReport(a, ManifestDetailJson(*m), [&] {
    auto t = Totals(*m);
    std::printf("Backup:      %s\n", m->backup_id.c_str());
    std::printf("Status:      %s (%s)\n", m->status.c_str(), m->mode.c_str());
    std::printf("Storage:     %s\n", (*store)->Describe().c_str());
    std::printf("Cluster id:  %s\n", m->cluster_id.c_str());
    std::printf("Created:     %s   updated: %s\n", FormatTimestampMs(m->created_at_ms).c_str(),
                FormatTimestampMs(m->updated_at_ms).c_str());
    std::printf("Records:     %llu in %llu segments, %s raw, %s stored (%s)\n",
                static_cast<unsigned long long>(t.records), static_cast<unsigned long long>(t.segments),
                HumanBytes(t.raw_bytes).c_str(), HumanBytes(t.stored_bytes).c_str(), m->compression.c_str());
    if (t.records)
      std::printf("Time range:  %s .. %s\n", FormatTimestampMs(t.min_timestamp).c_str(),
                  FormatTimestampMs(t.max_timestamp).c_str());
    if (t.earliest_restorable_ms > 0)
      std::printf("Restorable:  from %s on (older records were pruned by retention)\n",
                  FormatTimestampMs(t.earliest_restorable_ms).c_str());
    std::printf("Gaps:        %llu (%llu records deleted before they were read)\n",
                static_cast<unsigned long long>(t.gaps), static_cast<unsigned long long>(t.gap_records));
    for (const auto& topic : m->topics) {
      std::printf("\nTopic %s: %d partitions, replication factor %d\n", topic.name.c_str(), topic.partition_count,
                  topic.replication_factor);
      for (const auto& [k, v] : topic.configs) std::printf("  config %s=%s\n", k.c_str(), v.c_str());
      std::printf("  %-9s %9s %14s %14s %10s %s\n", "PARTITION", "SEGMENTS", "RECORDS", "NEXT OFFSET", "GAPS", "");
      for (const auto& p : topic.partitions) {
        std::printf("  %-9d %9zu %14llu %14lld %10zu\n", p.partition, p.segments.size(),
                    static_cast<unsigned long long>(p.record_count()), static_cast<long long>(p.next_offset),
                    p.gaps.size());
        for (const auto& g : p.gaps)
          std::printf("    GAP offsets %lld..%lld: %s\n", static_cast<long long>(g.from_offset),
                      static_cast<long long>(g.to_offset), g.reason.c_str());
      }
    }
  });
  return 0;
}

}  // namespace kb::cli
