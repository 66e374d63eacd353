// `prune --path P --backup-id ID --keep-within 7d [--dry-run]`: retention, run by hand or by cron.
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"
#include "retention/prune.h"

namespace kb::cli {

int RunPrune(const CliArgs& a) {
  auto keep = ParseDurationMs(a.keep_within);
  if (!keep) return ReportError(keep.error().With("--keep-within"));
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  PruneOptions options;
  options.keep_within_ms = *keep;
  options.dry_run = a.dry_run;
  auto r = Prune(**store, a.backup_id, options);
  if (!r) return ReportError(r.error());
  PrintReport(a, r->ToJson(), [&] {
    const char* verb = r->dry_run ? "Would remove" : "Removed";
    std::printf("Prune of backup %s, keeping records newer than %s (%s)%s\n", r->backup_id.c_str(),
                FormatTimestampMs(r->horizon_ms).c_str(), FormatDurationMs(*keep).c_str(),
                r->dry_run ? ": DRY RUN, nothing removed" : "");
    std::printf("%s %llu objects, %s (%llu segments, %llu offset captures)\n", verb,
                static_cast<unsigned long long>(r->objects_removed), HumanBytes(r->bytes_removed).c_str(),
                static_cast<unsigned long long>(r->segments_removed),
                static_cast<unsigned long long>(r->captures_removed));
    for (const auto& d : r->deferred_by)
      std::printf("Removals wait for %s: the floors moved; run prune again after it ends\n", d.c_str());
    if (!r->kept.empty()) {
      std::printf("Kept under Object Lock retention: %zu objects (removed by a later prune once released)\n",
                  r->kept.size());
      for (const auto& k : r->kept)
        std::printf("  %s until %s\n", k.key.c_str(),
                    k.until_ms > 0 ? FormatTimestampMs(k.until_ms).c_str() : "its legal hold is lifted");
    }
    std::printf("\n  %-40s %9s %14s %10s  %s\n", "TOPIC/PARTITION", "SEGMENTS", "FIRST OFFSET", "SIZE",
                "EARLIEST RESTORABLE");
    for (const auto& p : r->partitions) {
      const std::string tp = p.topic + "/" + std::to_string(p.partition);
      std::printf("  %-40s %9llu %14lld %10s  %s\n", tp.c_str(), static_cast<unsigned long long>(p.segments_removed),
                  static_cast<long long>(p.first_offset), HumanBytes(p.bytes_removed).c_str(),
                  p.earliest_restorable_ms > 0 ? FormatTimestampMs(p.earliest_restorable_ms).c_str()
                                               : "everything backed up");
    }
  });
  return 0;
}

void AddPruneCommand(CommandRegistry& r) {
  auto* cmd =
      r.app.add_subcommand("prune", "Remove what a backup no longer needs to restore inside its retention window");
  AddBackup(cmd, r.args);
  cmd->add_option("--keep-within", r.args.keep_within, "Keep every record newer than this: 7d, 12h, 30m, 1d12h")
      ->type_name("DURATION")
      ->required();
  cmd->add_flag("--dry-run", r.args.dry_run, "Report what would be removed; remove nothing");
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunPrune);
}

}  // namespace kb::cli
