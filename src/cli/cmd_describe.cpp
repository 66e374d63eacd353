// `describe --path P --backup-id ID [--segments]`: topics, partitions, segments, gaps of one backup.
// Without --segments each partition's figures come from its newest commit, so the cost grows with
// the partitions, not with the segments.
#include <cstdio>

#include "catalog/catalog_reader.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "cli/manifest_json.h"
#include "core/time_util.h"

namespace kb::cli {

int RunDescribe(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto state = LoadCatalog(**store, a.backup_id, a.segments ? CatalogDepth::kFull : CatalogDepth::kSummary);
  if (!state) return ReportError(state.error());
  auto by = HeadCommitters(**store, a.backup_id, *state);
  if (!by) return ReportError(by.error());
  const format::Manifest* m = &state->manifest;
  auto doc = ManifestDetailJson(*m, state->figures, a.segments);
  if (!by->empty())
    for (auto& jt : doc["topics"])
      for (auto& jp : jt["partitions"]) {
        auto it = by->find({jt["name"].get<std::string>(), jp["partition"].get<int32_t>()});
        if (it != by->end()) jp["committed_by_member"] = it->second;
      }
  PrintReport(a, doc, [&] {
    auto t = Totals(*m, state->figures);
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
      std::printf("  %-9s %9s %14s %14s %10s %s\n", "PARTITION", "SEGMENTS", "RECORDS", "NEXT OFFSET", "GAPS",
                  by->empty() ? "" : "LAST COMMITTED BY (group member)");
      for (const auto& p : topic.partitions) {
        auto who = by->find({topic.name, p.partition});
        const auto& f = state->figures[{topic.name, p.partition}];
        std::printf("  %-9d %9llu %14llu %14lld %10llu %s\n", p.partition, static_cast<unsigned long long>(f.segments),
                    static_cast<unsigned long long>(f.records), static_cast<long long>(p.next_offset),
                    static_cast<unsigned long long>(f.gaps), who == by->end() ? "" : who->second.c_str());
        for (const auto& g : p.gaps)
          std::printf("    GAP offsets %lld..%lld: %s\n", static_cast<long long>(g.from_offset),
                      static_cast<long long>(g.to_offset), g.reason.c_str());
      }
    }
    if (t.gaps > 0 && !a.segments) std::printf("\n(describe --segments lists each gap and segment)\n");
  });
  return 0;
}

void AddDescribeCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("describe", "Describe one backup: topics, partitions, segments, gaps");
  AddBackup(cmd, r.args);
  cmd->add_flag("--segments", r.args.segments,
                "List every segment and gap (reads the whole catalog; without it, each partition's newest "
                "commit gives its figures)");
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunDescribe);
}

}  // namespace kb::cli
