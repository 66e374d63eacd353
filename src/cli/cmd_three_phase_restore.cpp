// three-phase-restore --config FILE (and `restore` with reset_consumer_offsets: true):
//   1. snapshot the target's consumer groups (the safety net), refusing active groups;
//   2. restore;
//   3. translate the groups' positions as of the PITR end (captures, or restore.snapshot_id);
//   4. commit, then verify;
//   5. on any failure after step 1, roll the groups back to the safety snapshot.
// A partial restore is never followed by a commit. The run ends with one boxed report.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "catalog/documents.h"
#include "cli/cli_common.h"
#include "cli/three_phase_restore.h"
#include "config/kafka_options.h"
#include "core/time_util.h"
#include "kafka/admin_client.h"
#include "offsets/bulk_commit.h"
#include "offsets/offset_commit.h"
#include "offsets/offset_snapshot.h"
#include "offsets/reset_session.h"
#include "restore/restore_engine.h"
#include "restore/restore_parts.h"

namespace kb::cli {
namespace {

using nlohmann::json;

struct Phase {
  std::string name;
  std::string status = "not run";  // ok | failed | skipped | not run | rolled back
  std::vector<std::string> lines;
};

class ThreePhase {
 public:
  ThreePhase(const CliArgs& a, const Config& config, ObjectStore& store) : a_(a), config_(config), store_(&store) {
    phases_ = {{"1. snapshot groups"},
               {config.restore.after_parts ? "2. restore (parts)" : "2. restore"},
               {"3. translate offsets"},
               {"4. commit + verify"},
               {"5. rollback"}};
  }
  int Run();

 private:
  int Finish(int code);
  void Rollback(const std::string& why);
  void PrintBox() const;

  const CliArgs& a_;
  const Config& config_;
  std::vector<Phase> phases_;
  ObjectStore* store_;
  std::unique_ptr<kafka::AdminClient> admin_;
  std::optional<offsets::OffsetSnapshot> safety_;
  json doc_ = json::object();
  std::string backup_id_;
  bool ok_ = false;
};

void ThreePhase::Rollback(const std::string& why) {
  Phase& p = phases_[4];
  p.lines.push_back("cause: " + why);
  if (!safety_) {
    p.status = "skipped";
    p.lines.push_back("no safety snapshot was taken: nothing was changed");
    return;
  }
  offsets::CommitOptions opts;
  opts.verify = true;
  opts.delete_extra = true;  // undo partial commits exactly
  bool all = true;
  json groups = json::array();
  for (const auto& g : safety_->groups) {
    auto r = offsets::CommitGroupOffsets(*admin_, g.group, g.offsets, opts);
    groups.push_back(r.ToJson());
    all = all && r.ok();
    p.lines.push_back("group " + g.group + ": " + (r.ok() ? "restored to " + safety_->snapshot_id : "FAILED " + r.error));
  }
  doc_["rollback"] = {{"snapshot_id", safety_->snapshot_id}, {"ok", all}, {"groups", groups}};
  p.status = all ? "rolled back" : "FAILED";
  if (!all) p.lines.push_back("roll back by hand: kafka-backup offset-rollback rollback --snapshot-id " + safety_->snapshot_id);
}

void ThreePhase::PrintBox() const {
  std::vector<std::string> lines;
  lines.push_back("three-phase-restore of backup " + backup_id_ + ": " + (ok_ ? "SUCCESS" : "FAILED"));
  lines.push_back("");
  for (const auto& p : phases_) {
    std::string head = p.name;
    head.resize(std::max<size_t>(head.size() + 1, 26), ' ');
    lines.push_back(head + p.status);
    for (const auto& l : p.lines) lines.push_back("    " + l);
  }
  size_t width = 0;
  for (const auto& l : lines) width = std::max(width, l.size());
  std::string bar;
  for (size_t i = 0; i < width + 2; ++i) bar += "─";
  std::cout << "┌" << bar << "┐\n";
  for (const auto& l : lines) std::cout << "│ " << l << std::string(width - l.size(), ' ') << " │\n";
  std::cout << "└" << bar << "┘\n";
  std::cout.flush();
}

int ThreePhase::Finish(int code) {
  ok_ = code == 0;
  json phases = json::array();
  for (const auto& p : phases_) phases.push_back({{"phase", p.name}, {"status", p.status}, {"details", p.lines}});
  doc_["backup_id"] = backup_id_;
  doc_["ok"] = ok_;
  doc_["exit_code"] = code;
  doc_["phases"] = phases;
  PrintReport(a_, doc_, [&] { PrintBox(); });
  return code;
}

int ThreePhase::Run() {
  const Config* config = &config_;
  // Dry runs end at the plan in cmd_restore.cpp; this guard keeps a new caller from writing.
  if (config->restore.dry_run)
    return ReportError(Error{ErrorCode::kInternal, "a dry run reached the three-phase restore; nothing was written",
                             false, false});
  backup_id_ = config->backup_id;
  const ClusterSection* target = config->target ? &*config->target : config->source ? &*config->source : nullptr;
  if (!target)
    return ReportError(Error{ErrorCode::kInvalidArgument, a_.config_file + " has no target section: name the cluster to "
                                                          "restore to (target.bootstrap_servers or --bootstrap-servers)", false, false});
  auto kcfg = ToKafkaClientConfig(*target);
  auto admin = kafka::AdminClient::Create(kcfg);
  if (!admin) return ReportError(admin.error());
  admin_ = std::move(*admin);
  const auto& ro = config->restore;
  auto strategy = offsets::ParseResetStrategy(ro.consumer_group_strategy);
  if (!strategy) return ReportError(strategy.error());

  // Which groups: the config's, else every group of the positions. Resolved before anything is
  // written, so a backup without positions fails with nothing changed.
  std::vector<std::string> groups = ro.consumer_groups;
  if (*strategy != offsets::ResetStrategy::kSkip) {
    if (!ro.snapshot_id.empty()) {
      auto snap = LoadOffsetSnapshot(*store_, ro.snapshot_id);
      if (!snap) return ReportError(snap.error());
      if (groups.empty())
        for (const auto& g : snap->groups) groups.push_back(g.group);
    } else {
      auto pos = offsets::LoadSourcePositions(*store_, config->backup_id, ro.time_window_end, groups);
      if (!pos) return ReportError(pos.error());
      if (groups.empty())
        for (const auto& g : pos->groups) groups.push_back(g.group);
    }
  }

  // Phase 1: safety snapshot; active groups are refused here, before anything is written.
  // After a parallel restore, the parts' results stand in for the restore; gathered first, so a
  // part still missing stops the run before anything is touched.
  std::optional<Result<RestoreResult>> parts;
  if (config->restore.after_parts) {
    parts = GatherRestoreParts(*config, *store_);
    if (!*parts) {
      phases_[0].status = "skipped";
      phases_[1].status = "failed";
      phases_[1].lines.push_back(parts->error().message);
      return Finish(1);
    }
  }

  Phase& p1 = phases_[0];
  if (groups.empty()) {
    p1.status = "skipped";
    p1.lines.push_back("no consumer groups to reset");
  } else {
    for (const auto& g : groups) {
      if (auto st = offsets::CheckGroupInactive(*admin_, g); !st) {
        p1.status = "failed";
        p1.lines.push_back(st.error().message);
        phases_[1].status = "skipped";
        return Finish(1);
      }
    }
    auto snap = offsets::TakeSnapshot(*admin_, groups, false, "three-phase-restore safety net before restoring backup " + backup_id_);
    Status saved = snap ? SaveOffsetSnapshot(*store_, *snap) : Status(tl::unexpected(snap.error()));
    if (!saved) {
      p1.status = "failed";
      p1.lines.push_back(saved.error().message);
      return Finish(1);
    }
    safety_ = *snap;
    p1.status = "ok";
    p1.lines.push_back(snap->snapshot_id + " (" + std::to_string(snap->partition_count()) + " partition(s), " +
                       std::to_string(groups.size()) + " group(s))");
    doc_["snapshot_id"] = snap->snapshot_id;
  }

  // Phase 2: restore.
  Phase& p2 = phases_[1];
  auto res = parts ? std::move(*parts) : RestoreEngine(*config, *store_).Run();
  if (!res) {
    p2.status = "failed";
    p2.lines.push_back(res.error().message);
    Rollback("restore failed");
    return Finish(res.error().code == ErrorCode::kCancelled ? 130 : 1);
  }
  doc_["restore"] = format::ToJson(res->report);
  p2.lines.push_back(res->restore_id + ": " + std::to_string(res->records) + " record(s), " + HumanBytes(res->bytes));
  if (!res->complete) {
    p2.status = "failed";
    for (const auto& e : res->errors) p2.lines.push_back("FAILED: " + e);
    p2.lines.push_back("partial restore: consumer offsets are NOT committed");
    Rollback("partial restore");
    return Finish(res->interrupted ? 130 : 3);
  }
  p2.status = "ok";
  if (*strategy == offsets::ResetStrategy::kSkip || groups.empty()) {
    phases_[2].status = phases_[3].status = "skipped";
    phases_[2].lines.push_back(groups.empty() ? "no consumer groups" : "strategy skip: offsets unchanged");
    phases_[4].status = "not needed";
    return Finish(0);
  }

  // Phase 3: translate.
  Phase& p3 = phases_[2];
  offsets::ResetRequest req;
  req.backup_id = config->backup_id;
  req.restore_id = res->restore_id;
  req.groups = groups;
  req.strategy = ro.consumer_group_strategy;
  req.snapshot_id = ro.snapshot_id;
  req.as_of_ms = ro.time_window_end;
  auto plan = offsets::BuildResetPlan(*store_, *admin_, kcfg, req, &res->mapping);
  if (!plan || !plan->problems.empty()) {
    p3.status = "failed";
    if (!plan) p3.lines.push_back(plan.error().message);
    else for (const auto& pr : plan->problems) p3.lines.push_back(pr);
    if (plan) doc_["plan"] = plan->ToJson();
    Rollback("offsets could not be translated");
    return Finish(3);
  }
  doc_["plan"] = plan->ToJson();
  p3.status = "ok";
  p3.lines.push_back(std::string(offsets::ResetStrategyName(plan->strategy)) + ", positions from " + plan->positions_from);
  for (const auto& w : plan->warnings) p3.lines.push_back("warning: " + w);
  for (const auto& e : plan->entries)
    if (e.commit())
      p3.lines.push_back(e.group + " " + e.source_topic + ":" + std::to_string(e.source_partition) + "@" +
                         std::to_string(e.source_offset) + " -> " + e.target_topic + ":" + std::to_string(e.target_partition) +
                         "@" + std::to_string(e.target_offset));
  if (plan->strategy == offsets::ResetStrategy::kManual) {
    phases_[3].status = "skipped";
    phases_[3].lines.push_back("strategy manual: apply `kafka-backup offset-reset script` yourself");
    phases_[4].status = "not needed";
    return Finish(0);
  }

  // Phase 4: commit + verify.
  Phase& p4 = phases_[3];
  offsets::BulkOptions opts;
  opts.commit.verify = true;
  auto report = offsets::BulkCommit(*admin_, plan->Commits(), opts);
  doc_["commit"] = report.ToJson();
  for (const auto& g : report.groups)
    p4.lines.push_back(g.group + ": " + (g.ok() ? "committed " + std::to_string(g.partitions.size()) + " partition(s), verified"
                                                : "FAILED " + (g.error.empty() ? std::to_string(g.failed_partitions()) + " partition(s)" : g.error)));
  if (!report.all_ok()) {
    p4.status = "failed";
    Rollback("commit or verification failed");
    return Finish(3);
  }
  p4.status = "ok";
  phases_[4].status = "not needed";
  return Finish(0);
}

}  // namespace

int RunThreePhase(const CliArgs& a, const Config& config, ObjectStore& store) {
  ThreePhase run(a, config, store);
  return run.Run();
}

}  // namespace kb::cli
