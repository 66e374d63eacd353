// offset-rollback snapshot|list|show|verify|rollback|delete: offset snapshots in the backup
// storage, and putting them back.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "catalog/documents.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"
#include "kafka/admin_client.h"
#include "offsets/offset_commit.h"
#include "offsets/offset_snapshot.h"

namespace kb::cli {
namespace {

using nlohmann::json;

Result<std::unique_ptr<kafka::AdminClient>> OpenAdmin(const CliArgs& a) {
  KB_ASSIGN_OR_RETURN(auto cfg, KafkaConfigFromFlags(a));
  return kafka::AdminClient::Create(cfg);
}

// The snapshot --snapshot-id names, from the storage --path names.
Result<offsets::OffsetSnapshot> LoadNamedSnapshot(const CliArgs& a) {
  KB_ASSIGN_OR_RETURN(auto store, OpenStoreForPath(a.path));
  return LoadOffsetSnapshot(*store, a.snapshot_id);
}

std::string GroupNames(const offsets::OffsetSnapshot& s) {
  std::string out;
  for (const auto& g : s.groups) out += (out.empty() ? "" : ",") + g.group;
  return out.empty() ? "-" : out;
}

json Summary(const offsets::OffsetSnapshot& s) {
  json groups = json::array();
  for (const auto& g : s.groups) groups.push_back(g.group);
  return {{"snapshot_id", s.snapshot_id}, {"created_at", FormatTimestampMs(s.created_at_ms)},
          {"created_at_ms", s.created_at_ms}, {"description", s.description}, {"cluster_id", s.cluster_id},
          {"groups", groups}, {"partitions", s.partition_count()}};
}

}  // namespace

int RunRollbackSnapshot(const CliArgs& a) {
  auto store = OpenStoreForPath(a.path);
  if (!store) return ReportError(store.error());
  auto admin = OpenAdmin(a);
  if (!admin) return ReportError(admin.error());
  auto snap = offsets::TakeSnapshot(**admin, a.groups, a.all_groups, a.description);
  if (!snap) return ReportError(snap.error());
  if (auto st = SaveOffsetSnapshot(**store, *snap); !st) return ReportError(st.error());
  PrintReport(a, Summary(*snap), [&] {
    std::cout << "Snapshot created: " << snap->snapshot_id << "\n"
              << "  storage:     " << (*store)->Describe() << "\n"
              << "  cluster:     " << (snap->cluster_id.empty() ? "-" : snap->cluster_id) << "\n"
              << "  created:     " << FormatTimestampMs(snap->created_at_ms) << "\n"
              << "  description: " << snap->description << "\n";
    for (const auto& g : snap->groups) {
      std::cout << "  group " << g.group << " (" << (g.state.empty() ? "?" : g.state) << "): " << g.offsets.size()
                << " partition(s)\n";
      for (const auto& o : g.offsets) std::cout << "    " << o.topic << ":" << o.partition << " = " << o.offset << "\n";
    }
  });
  for (const auto& g : snap->groups)
    if (g.offsets.empty()) std::fprintf(stderr, "warning: group=%s has no committed offsets\n", g.group.c_str());
  return 0;
}

int RunRollbackList(const CliArgs& a) {
  auto store = OpenStoreForPath(a.path);
  if (!store) return ReportError(store.error());
  auto list = ListOffsetSnapshots(**store);
  if (!list) return ReportError(list.error());
  json doc = json::array();
  for (const auto& s : *list) doc.push_back(Summary(s));
  PrintReport(a, json{{"snapshots", doc}}, [&] {
    if (list->empty()) {
      std::cout << "No offset snapshots in " << (*store)->Describe() << "\n";
      return;
    }
    // The id stays in the first column: scripts take it with awk '{print $1}'.
    std::printf("%-42s %-25s %-30s %10s  %s\n", "ID", "CREATED", "GROUPS", "PARTITIONS", "DESCRIPTION");
    for (const auto& s : *list)
      std::printf("%-42s %-25s %-30s %10zu  %s\n", s.snapshot_id.c_str(), FormatTimestampMs(s.created_at_ms).c_str(),
                  GroupNames(s).c_str(), s.partition_count(), s.description.c_str());
    std::fflush(stdout);
  });
  return 0;
}

int RunRollbackShow(const CliArgs& a) {
  auto snap = LoadNamedSnapshot(a);
  if (!snap) return ReportError(snap.error());
  PrintReport(a, format::ToJson(*snap), [&] {
    std::cout << "Snapshot:    " << snap->snapshot_id << "\n"
              << "Created:     " << FormatTimestampMs(snap->created_at_ms) << "\n"
              << "Description: " << snap->description << "\n"
              << "Cluster:     " << (snap->cluster_id.empty() ? "-" : snap->cluster_id) << " (" << snap->bootstrap_servers << ")\n\n";
    std::printf("%-30s %-12s %-30s %9s %12s\n", "GROUP", "STATE", "TOPIC", "PARTITION", "OFFSET");
    for (const auto& g : snap->groups) {
      if (g.offsets.empty()) std::printf("%-30s %-12s %-30s %9s %12s\n", g.group.c_str(), g.state.c_str(), "-", "-", "-");
      for (const auto& o : g.offsets)
        std::printf("%-30s %-12s %-30s %9d %12lld\n", g.group.c_str(), g.state.c_str(), o.topic.c_str(), o.partition,
                    static_cast<long long>(o.offset));
    }
    std::fflush(stdout);
  });
  return 0;
}

int RunRollbackVerify(const CliArgs& a) {
  auto snap = LoadNamedSnapshot(a);
  if (!snap) return ReportError(snap.error());
  auto admin = OpenAdmin(a);
  if (!admin) return ReportError(admin.error());
  std::vector<offsets::OffsetMismatch> mismatches;
  size_t checked = 0;
  for (const auto& g : snap->groups) {
    auto now = (*admin)->ListGroupOffsets(g.group);
    if (!now) return ReportError(now.error().With("group=" + g.group));
    auto m = offsets::CompareOffsets(g.group, g.offsets, *now);
    mismatches.insert(mismatches.end(), m.begin(), m.end());
    checked += g.offsets.size();
  }
  json doc{{"snapshot_id", snap->snapshot_id}, {"partitions_checked", checked}, {"matches", mismatches.empty()},
           {"mismatches", json::array()}};
  for (const auto& m : mismatches)
    doc["mismatches"].push_back({{"group", m.group}, {"topic", m.topic}, {"partition", m.partition},
                                 {"snapshot_offset", m.expected}, {"current_offset", m.actual ? json(*m.actual) : json(nullptr)}});
  PrintReport(a, doc, [&] {
    if (mismatches.empty()) {
      std::cout << "OK: all " << checked << " partition(s) of " << snap->snapshot_id << " match the cluster's committed offsets\n";
      return;
    }
    std::cout << "MISMATCH: " << mismatches.size() << " of " << checked << " partition(s) differ from " << snap->snapshot_id << "\n";
    std::printf("%-30s %-30s %9s %16s %16s\n", "GROUP", "TOPIC", "PARTITION", "SNAPSHOT", "CURRENT");
    for (const auto& m : mismatches)
      std::printf("%-30s %-30s %9d %16lld %16s\n", m.group.c_str(), m.topic.c_str(), m.partition,
                  static_cast<long long>(m.expected), m.actual ? std::to_string(*m.actual).c_str() : "(none)");
    std::fflush(stdout);
  });
  return mismatches.empty() ? 0 : 3;
}

int RunRollbackRollback(const CliArgs& a) {
  auto snap = LoadNamedSnapshot(a);
  if (!snap) return ReportError(snap.error());
  auto admin = OpenAdmin(a);
  if (!admin) return ReportError(admin.error());
  if (!snap->cluster_id.empty()) {
    if (auto md = (*admin)->Metadata(); md && !md->cluster_id.empty() && md->cluster_id != snap->cluster_id)
      std::fprintf(stderr, "warning: snapshot %s was taken on cluster %s; committing to cluster %s\n",
                   snap->snapshot_id.c_str(), snap->cluster_id.c_str(), md->cluster_id.c_str());
  }
  offsets::CommitOptions opts;
  opts.force = a.force;
  opts.verify = a.verify == "true";
  opts.delete_extra = a.delete_extra;
  std::vector<offsets::GroupCommitResult> results;
  for (const auto& g : snap->groups) results.push_back(offsets::CommitGroupOffsets(**admin, g.group, g.offsets, opts));
  size_t ok = 0, refused = 0;
  json doc{{"snapshot_id", snap->snapshot_id}, {"verified", opts.verify}, {"groups", json::array()}};
  for (const auto& r : results) {
    ok += r.ok();
    refused += r.refused;
    doc["groups"].push_back(r.ToJson());
  }
  doc["ok"] = ok == results.size();
  PrintReport(a, doc, [&] {
    std::cout << "Rollback to " << snap->snapshot_id << " (" << FormatTimestampMs(snap->created_at_ms) << ")\n";
    for (const auto& r : results) {
      std::cout << "  group " << r.group << ": "
                << (r.ok() ? (opts.verify ? "OK, verified" : "OK (not verified)") : r.refused ? "REFUSED" : "FAILED");
      if (!r.error.empty()) std::cout << " - " << r.error;
      std::cout << "\n";
      for (const auto& p : r.partitions) {
        std::cout << "    " << p.topic << ":" << p.partition << " -> " << p.offset;
        if (p.read_back) std::cout << " (read back " << *p.read_back << ")";
        if (!p.error.empty()) std::cout << "  ERROR: " << p.error;
        std::cout << "\n";
      }
      for (const auto& d : r.deleted) std::cout << "    " << d.topic << ":" << d.partition << " offset deleted (not in snapshot)\n";
    }
    std::cout << (ok == results.size() ? "Rollback complete" : "Rollback INCOMPLETE") << ": " << ok << "/" << results.size()
              << " group(s) restored\n";
  });
  if (ok == results.size()) return 0;
  for (const auto& r : results)
    if (!r.ok()) std::fprintf(stderr, "error: group=%s: %s\n", r.group.c_str(),
                              r.error.empty() ? "some partitions failed (see report)" : r.error.c_str());
  // Refused everywhere: nothing changed, a conflict. Anything else: partial.
  return refused == results.size() ? 1 : 3;
}

int RunRollbackDelete(const CliArgs& a) {
  auto store = OpenStoreForPath(a.path);
  if (!store) return ReportError(store.error());
  if (auto st = DeleteOffsetSnapshot(**store, a.snapshot_id); !st) return ReportError(st.error());
  PrintReport(a, json{{"deleted", a.snapshot_id}}, [&] { std::cout << "Snapshot deleted: " << a.snapshot_id << "\n"; });
  return 0;
}

void AddOffsetRollbackCommands(CommandRegistry& r) {
  auto& a = r.args;
  auto* rb = r.app.add_subcommand("offset-rollback", "Offset snapshots: a safety net for consumer-group offsets");
  rb->require_subcommand(1);
  auto* snap = rb->add_subcommand("snapshot", "Record the committed offsets of consumer groups");
  AddPath(snap, a);
  AddGroups(snap, a);
  snap->add_flag("--all-groups", a.all_groups, "Every consumer group in the cluster");
  snap->add_option("--description", a.description, "Why this snapshot was taken");
  AddKafka(snap, a, true);
  AddFormat(snap, a);
  r.OnRun(snap, RunRollbackSnapshot);
  auto* list = rb->add_subcommand("list", "List snapshots, newest first");
  AddPath(list, a);
  AddFormat(list, a);
  r.OnRun(list, RunRollbackList);
  auto* show = rb->add_subcommand("show", "Show one snapshot");
  AddPath(show, a);
  show->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddFormat(show, a);
  r.OnRun(show, RunRollbackShow);
  auto* verify = rb->add_subcommand("verify", "Compare a snapshot with the cluster's committed offsets");
  AddPath(verify, a);
  verify->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddKafka(verify, a, true);
  AddFormat(verify, a);
  r.OnRun(verify, RunRollbackVerify);
  auto* roll = rb->add_subcommand("rollback", "Put a snapshot's offsets back");
  AddPath(roll, a);
  roll->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  roll->add_option("--verify", a.verify, "Read the offsets back and compare (true|false)")
      ->check(CLI::IsMember({"true", "false"}));
  roll->add_flag("--force", a.force, "Commit even if the group has active members");
  roll->add_flag("--delete-extra", a.delete_extra, "Remove offsets committed on partitions the snapshot lacks");
  AddKafka(roll, a, true);
  AddFormat(roll, a);
  r.OnRun(roll, RunRollbackRollback);
  auto* del = rb->add_subcommand("delete", "Delete a snapshot");
  AddPath(del, a);
  del->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddFormat(del, a);
  r.OnRun(del, RunRollbackDelete);
}

}  // namespace kb::cli
