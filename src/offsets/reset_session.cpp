#include "offsets/reset_session.h"

#include <spdlog/spdlog.h>

#include "catalog/documents.h"
#include "offsets/cluster_reset_lookups.h"
#include "offsets/offset_snapshot.h"

namespace kb::offsets {

ResetStrategy DefaultStrategyFromReport(const format::RestoreReport& report) {
  auto s = ParseResetStrategy(report.consumer_group_strategy);
  if (s && *s != ResetStrategy::kSkip) return *s;
  return ResetStrategy::kHeaderBased;
}

Result<ResetPlan> BuildResetPlan(ObjectStore& store, kafka::AdminClient& admin, const kafka::KafkaClientConfig& target,
                                 const ResetRequest& req, const OffsetMapping* given, kafka::KafkaPort& kafka) {
  OffsetMapping loaded;
  if (!given) {
    auto m = LoadOffsetMapping(store, req.backup_id, req.restore_id);
    if (!m) {
      if (m.error().code == ErrorCode::kNotFound)
        return Fail(ErrorCode::kNotFound, "backup " + req.backup_id + " in " + store.Describe() +
                                              " has no offset mapping" + (req.restore_id.empty() ? "" : " for restore " + req.restore_id) +
                                              ": restore it first (kafka-backup restore --config ...)");
      return tl::unexpected(m.error());
    }
    loaded = std::move(*m);
    given = &loaded;
  }
  // A missing or damaged report only loses the defaults it would give.
  format::RestoreReport report;
  if (auto stored = LoadRestoreReport(store, req.backup_id, given->restore_id)) report = std::move(*stored);
  else if (stored.error().code != ErrorCode::kNotFound)
    spdlog::warn("restore {}: its report cannot be read ({}); the strategy defaults to header-based",
                 given->restore_id, stored.error().message);
  ResetStrategy strategy = DefaultStrategyFromReport(report);
  if (!req.strategy.empty()) {
    KB_ASSIGN_OR_RETURN(strategy, ParseResetStrategy(req.strategy));
  }

  ResetInputs in;
  in.backup_id = req.backup_id;
  in.mapping = given;
  in.strategy = strategy;
  std::string warning;
  std::string snapshot_id = req.snapshot_id.empty() ? report.snapshot_id : req.snapshot_id;
  if (!snapshot_id.empty()) {
    KB_ASSIGN_OR_RETURN(auto snap, LoadOffsetSnapshot(store, snapshot_id));
    in.positions_from = "snapshot " + snap.snapshot_id;
    if (req.groups.empty()) {
      in.positions = snap.groups;
    } else {
      for (const auto& g : req.groups) {
        const GroupOffsets* found = snap.Find(g);
        in.positions.push_back(found ? *found : GroupOffsets{g, "", {}});
      }
    }
  } else {
    auto as_of = req.as_of_ms ? req.as_of_ms : given->time_window_end;
    KB_ASSIGN_OR_RETURN(auto pos, LoadSourcePositions(store, req.backup_id, as_of, req.groups));
    in.positions = std::move(pos.groups);
    in.positions_from = pos.from;
    warning = pos.warning;
  }
  ClusterResetLookups lookups(kafka, target, admin, store, req.backup_id);
  KB_ASSIGN_OR_RETURN(ResetPlan plan, PlanReset(in, lookups));
  if (!warning.empty()) plan.warnings.insert(plan.warnings.begin(), warning);
  return plan;
}

}  // namespace kb::offsets
