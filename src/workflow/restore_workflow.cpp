#include "workflow/restore_workflow.h"

#include "catalog/documents.h"
#include "config/kafka_options.h"
#include "core/text_encoding.h"
#include "kafka/admin_client.h"
#include "offsets/bulk_commit.h"
#include "offsets/offset_commit.h"
#include "offsets/offset_snapshot.h"
#include "offsets/reset_session.h"
#include "restore/restore_parts.h"

namespace kb {
namespace {

using nlohmann::json;

class ThreePhase {
 public:
  ThreePhase(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka)
      : config_(config), store_(store), kafka_(kafka) {
    out_.backup_id = config.backup_id;
    out_.phases = {{"1. snapshot groups"},
                   {config.restore.after_parts ? "2. restore (parts)" : "2. restore"},
                   {"3. translate offsets"},
                   {"4. commit + verify"},
                   {"5. rollback"}};
  }
  Result<ThreePhaseOutcome> Run();

 private:
  ThreePhaseOutcome Finish(int code);
  void Rollback(const std::string& why);

  const Config& config_;
  ObjectStore& store_;
  kafka::KafkaPort& kafka_;
  std::unique_ptr<kafka::AdminClient> admin_;
  std::optional<offsets::OffsetSnapshot> safety_;
  ThreePhaseOutcome out_;
};

void ThreePhase::Rollback(const std::string& why) {
  WorkflowPhase& p = out_.phases[4];
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
  out_.doc["rollback"] = {{"snapshot_id", safety_->snapshot_id}, {"ok", all}, {"groups", groups}};
  p.status = all ? "rolled back" : "FAILED";
  if (!all) p.lines.push_back("roll back by hand: kafka-backup offset-rollback rollback --snapshot-id " + safety_->snapshot_id);
}

ThreePhaseOutcome ThreePhase::Finish(int code) {
  out_.ok = code == 0;
  out_.exit_code = code;
  json phases = json::array();
  for (const auto& p : out_.phases) phases.push_back({{"phase", p.name}, {"status", p.status}, {"details", p.lines}});
  out_.doc["backup_id"] = out_.backup_id;
  out_.doc["ok"] = out_.ok;
  out_.doc["exit_code"] = code;
  out_.doc["phases"] = phases;
  return std::move(out_);
}

Result<ThreePhaseOutcome> ThreePhase::Run() {
  const Config& config = config_;
  const ClusterSection* target = config.target ? &*config.target : config.source ? &*config.source : nullptr;
  if (!target)
    return Fail(ErrorCode::kInvalidArgument, (config.file.empty() ? std::string("the config") : config.file) +
                                                 " has no target section: name the cluster to restore to "
                                                 "(target.bootstrap_servers or --bootstrap-servers)");
  auto kcfg = ToKafkaClientConfig(*target);
  KB_ASSIGN_OR_RETURN(admin_, kafka_.CreateAdmin(kcfg));
  const auto& ro = config.restore;
  const offsets::ResetStrategy strategy = ro.consumer_group_strategy;

  // Which groups: the config's, else every group of the positions. Resolved before anything is
  // written, so a backup without positions fails with nothing changed.
  std::vector<std::string> groups = ro.consumer_groups;
  if (strategy != offsets::ResetStrategy::kSkip) {
    if (!ro.snapshot_id.empty()) {
      KB_ASSIGN_OR_RETURN(auto snap, LoadOffsetSnapshot(store_, ro.snapshot_id));
      if (groups.empty())
        for (const auto& g : snap.groups) groups.push_back(g.group);
    } else {
      KB_ASSIGN_OR_RETURN(auto pos, offsets::LoadSourcePositions(store_, config.backup_id, ro.time_window_end, groups));
      if (groups.empty())
        for (const auto& g : pos.groups) groups.push_back(g.group);
    }
  }
  auto& phases = out_.phases;

  // Phase 1: safety snapshot; active groups are refused here, before anything is written.
  // After a parallel restore, the parts' results stand in for the restore; gathered first, so a
  // part still missing stops the run before anything is touched.
  std::optional<Result<RestoreResult>> parts;
  if (ro.after_parts) {
    parts = GatherRestoreParts(config, store_);
    if (!*parts) {
      phases[0].status = "skipped";
      phases[1].status = "failed";
      phases[1].lines.push_back(parts->error().message);
      return Finish(1);
    }
  }

  WorkflowPhase& p1 = phases[0];
  if (groups.empty()) {
    p1.status = "skipped";
    p1.lines.push_back("no consumer groups to reset");
  } else {
    for (const auto& g : groups) {
      if (auto st = offsets::CheckGroupInactive(*admin_, g); !st) {
        p1.status = "failed";
        p1.lines.push_back(st.error().message);
        phases[1].status = "skipped";
        return Finish(1);
      }
    }
    auto snap = offsets::TakeSnapshot(*admin_, groups, false,
                                      "three-phase-restore safety net before restoring backup " + config.backup_id);
    Status saved = snap ? SaveOffsetSnapshot(store_, *snap) : Status(tl::unexpected(snap.error()));
    if (!saved) {
      p1.status = "failed";
      p1.lines.push_back(saved.error().message);
      return Finish(1);
    }
    safety_ = *snap;
    p1.status = "ok";
    p1.lines.push_back(snap->snapshot_id + " (" + std::to_string(snap->partition_count()) + " partition(s), " +
                       std::to_string(groups.size()) + " group(s))");
    out_.doc["snapshot_id"] = snap->snapshot_id;
  }

  // Phase 2: restore.
  WorkflowPhase& p2 = phases[1];
  auto res = parts ? std::move(*parts) : RestoreEngine(config, store_, kafka_).Run();
  if (!res) {
    p2.status = "failed";
    p2.lines.push_back(res.error().message);
    Rollback("restore failed");
    return Finish(res.error().code == ErrorCode::kCancelled ? 130 : 1);
  }
  out_.doc["restore"] = format::ToJson(res->report);
  p2.lines.push_back(res->restore_id + ": " + std::to_string(res->records) + " record(s), " + HumanBytes(res->bytes));
  if (!res->complete) {
    p2.status = "failed";
    for (const auto& e : res->errors) p2.lines.push_back("FAILED: " + e);
    p2.lines.push_back("partial restore: consumer offsets are NOT committed");
    Rollback("partial restore");
    return Finish(res->interrupted ? 130 : 3);
  }
  p2.status = "ok";
  if (strategy == offsets::ResetStrategy::kSkip || groups.empty()) {
    phases[2].status = phases[3].status = "skipped";
    phases[2].lines.push_back(groups.empty() ? "no consumer groups" : "strategy skip: offsets unchanged");
    phases[4].status = "not needed";
    return Finish(0);
  }

  // Phase 3: translate.
  WorkflowPhase& p3 = phases[2];
  offsets::ResetRequest req;
  req.backup_id = config.backup_id;
  req.restore_id = res->restore_id;
  req.groups = groups;
  req.strategy = offsets::ResetStrategyName(ro.consumer_group_strategy);
  req.snapshot_id = ro.snapshot_id;
  req.as_of_ms = ro.time_window_end;
  auto plan = offsets::BuildResetPlan(store_, *admin_, kcfg, req, &res->mapping, kafka_);
  if (!plan || !plan->problems.empty()) {
    p3.status = "failed";
    if (!plan) p3.lines.push_back(plan.error().message);
    else for (const auto& pr : plan->problems) p3.lines.push_back(pr);
    if (plan) out_.doc["plan"] = plan->ToJson();
    Rollback("offsets could not be translated");
    return Finish(3);
  }
  out_.doc["plan"] = plan->ToJson();
  p3.status = "ok";
  p3.lines.push_back(std::string(offsets::ResetStrategyName(plan->strategy)) + ", positions from " + plan->positions_from);
  for (const auto& w : plan->warnings) p3.lines.push_back("warning: " + w);
  for (const auto& e : plan->entries)
    if (e.commit())
      p3.lines.push_back(e.group + " " + e.source_topic + ":" + std::to_string(e.source_partition) + "@" +
                         std::to_string(e.source_offset) + " -> " + e.target_topic + ":" + std::to_string(e.target_partition) +
                         "@" + std::to_string(e.target_offset));
  if (plan->strategy == offsets::ResetStrategy::kManual) {
    phases[3].status = "skipped";
    phases[3].lines.push_back("strategy manual: apply `kafka-backup offset-reset script` yourself");
    phases[4].status = "not needed";
    return Finish(0);
  }

  // Phase 4: commit + verify.
  WorkflowPhase& p4 = phases[3];
  offsets::BulkOptions opts;
  opts.commit.verify = true;
  auto report = offsets::BulkCommit(*admin_, plan->Commits(), opts);
  out_.doc["commit"] = report.ToJson();
  for (const auto& g : report.groups)
    p4.lines.push_back(g.group + ": " + (g.ok() ? "committed " + std::to_string(g.partitions.size()) + " partition(s), verified"
                                                : "FAILED " + (g.error.empty() ? std::to_string(g.failed_partitions()) + " partition(s)" : g.error)));
  if (!report.all_ok()) {
    p4.status = "failed";
    Rollback("commit or verification failed");
    return Finish(3);
  }
  p4.status = "ok";
  phases[4].status = "not needed";
  return Finish(0);
}

}  // namespace

Result<RestoreOutcome> RunRestoreWorkflow(const Config& config, ObjectStore& store, RestoreWorkflowKind kind,
                                          kafka::KafkaPort& kafka) {
  RestoreOutcome out;
  const auto& r = config.restore;
  // A dry run, and validate-restore, which is one, end at the plan: nothing below writes.
  if (kind == RestoreWorkflowKind::kPlanOnly || r.dry_run) {
    KB_ASSIGN_OR_RETURN(out.plan, RestoreEngine(config, store, kafka).Plan());
    return out;
  }
  const bool offsets = kind == RestoreWorkflowKind::kThreePhase || r.reset_consumer_offsets;
  if (offsets && (r.parts <= 1 || r.after_parts)) {
    KB_ASSIGN_OR_RETURN(out.three_phase, ThreePhase(config, store, kafka).Run());
    return out;
  }
  // Records only. One part of a parallel restore writes its records only: offsets move once all
  // parts are in (--after-parts).
  KB_ASSIGN_OR_RETURN(out.restore, RestoreEngine(config, store, kafka).Run());
  out.part_restored_offsets_pending = offsets;
  return out;
}

}  // namespace kb
