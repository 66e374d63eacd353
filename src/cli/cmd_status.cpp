// `status --path P [--backup-id ID]`: backups, their restores, and what runs on them now, at a glance.
#include <cstdio>

#include "catalog/backup_catalog.h"
#include "catalog/catalog_reader.h"
#include "catalog/documents.h"
#include "catalog/lease.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "cli/manifest_json.h"
#include "core/time_util.h"

namespace kb::cli {

int RunStatus(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  std::vector<std::string> ids{a.backup_id};
  if (a.backup_id.empty()) {
    auto listed = ListBackupIds(**store);
    if (!listed) return ReportError(listed.error());
    ids = *listed;
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& id : ids) {
    auto state = LoadCatalog(**store, id, CatalogDepth::kSummary);
    if (!state) return ReportError(state.error());
    auto row = ManifestSummaryJson(state->manifest, state->figures);
    auto restores = ListRestores(**store, id);
    if (!restores) return ReportError(restores.error());
    nlohmann::json names = nlohmann::json::array();
    for (const auto& r : *restores)
      if (r.has_report) names.push_back(r.restore_id);
    row["restores"] = names;
    // What is running on it now: the live leases of backups and restores.
    auto leases = LiveLeases(**store, id, NowMs());
    if (!leases) return ReportError(leases.error());
    nlohmann::json running = nlohmann::json::array();
    for (const auto& l : *leases) {
      nlohmann::json lease{{"kind", l.kind},
                           {"holder", l.holder},
                           {"lease_id", l.lease_id},
                           {"since", FormatTimestampMs(l.acquired_at_ms)},
                           {"expires_at", FormatTimestampMs(l.expires_at_ms)},
                           {"description", DescribeLease(l)}};
      if (!l.group.empty()) {
        lease["group"] = l.group;
        lease["member_id"] = l.member_id;
        lease["partitions"] = l.partitions;
      }
      running.push_back(std::move(lease));
    }
    row["running"] = running;
    rows.push_back(row);
  }
  PrintReport(a, nlohmann::json{{"storage", (*store)->Describe()}, {"backups", rows}}, [&] {
    std::printf("Storage: %s\n", (*store)->Describe().c_str());
    for (const auto& r : rows) {
      std::printf("  %s: %s, %s, %llu records, %llu gaps, updated %s, %zu restores\n",
                  r["backup_id"].get<std::string>().c_str(), r["status"].get<std::string>().c_str(),
                  r["mode"].get<std::string>().c_str(), static_cast<unsigned long long>(r["records"].get<uint64_t>()),
                  static_cast<unsigned long long>(r["gaps"].get<uint64_t>()), r["updated_at"].get<std::string>().c_str(),
                  r["restores"].size());
      for (const auto& l : r["running"]) std::printf("    running: %s\n", l["description"].get<std::string>().c_str());
    }
  });
  return 0;
}

void AddStatusCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("status", "Show the state of backups and restores in a storage location");
  AddPath(cmd, r.args);
  cmd->add_option("--backup-id", r.args.backup_id, "Only this backup");
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunStatus);
}

}  // namespace kb::cli
