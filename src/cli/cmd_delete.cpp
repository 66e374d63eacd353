// `delete --path P --backup-id ID [--force]`: removes a whole backup.
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"
#include "retention/backup_delete.h"

namespace kb::cli {

int RunDelete(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto r = DeleteBackup(**store, a.backup_id, a.force);
  if (!r) return ReportError(r.error());
  PrintReport(a, r->ToJson(), [&] {
    for (const auto& l : r->forced_past) std::printf("Deleted despite --force: %s\n", l.c_str());
    std::printf("Deleted backup %s: removed %llu objects, %s\n", r->backup_id.c_str(),
                static_cast<unsigned long long>(r->objects_removed), HumanBytes(r->bytes_removed).c_str());
    if (!r->kept.empty()) {
      int64_t last = 0;
      for (const auto& k : r->kept) last = std::max(last, k.until_ms);
      std::printf("NOT COMPLETE: %zu objects are kept by Object Lock%s; run delete again after that\n", r->kept.size(),
                  last > 0 ? (" until " + FormatTimestampMs(last)).c_str() : " (legal hold)");
    }
  });
  return r->kept.empty() ? 0 : 3;
}

void AddDeleteCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("delete", "Delete a whole backup");
  AddBackup(cmd, r.args);
  cmd->add_flag("--force", r.args.force, "Delete even while a backup or restore of it runs");
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunDelete);
}

}  // namespace kb::cli
