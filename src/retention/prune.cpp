#include "retention/prune.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "catalog/catalog_reader.h"
#include "catalog/lease.h"
#include "catalog/retention_objects.h"
#include "core/parallel.h"
#include "core/stop.h"
#include "core/time_util.h"

namespace kb {
namespace {

constexpr size_t kPartitionThreads = 16;
constexpr size_t kDeleteThreads = 8;

// What prune does with one partition.
struct PartitionWork {
  kafka::TopicPartition tp;
  std::optional<format::CatalogFloor> new_floor;  // to write
  int64_t floor_from = -1;                        // the newest floor once written; -1: none
  int64_t unread_through_seq = 0;                 // commits and checkpoints up to here go
  PrunedPartition report;
  std::vector<ObjectInfo> garbage;                // objects below the floor
};

// The segment of `e` holds records, all older than the horizon (an empty one goes with them).
bool SegmentOlderThan(const format::ChainEntry& e, int64_t horizon_ms) {
  return e.segment && (e.segment->record_count == 0 || e.segment->max_timestamp < horizon_ms);
}

// Where a partition's chain would start after this prune: just past the last segment of the
// oldest run of segments older than the horizon. Gaps and empty stretches after that segment stay.
void PlanFloor(const PartitionChain& chain, const std::string& topic, int32_t partition, int64_t horizon_ms,
               int64_t now_ms, PartitionWork& work) {
  const auto& entries = chain.entries;
  size_t cut = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].segment) continue;
    if (!SegmentOlderThan(entries[i], horizon_ms)) break;
    cut = i + 1;
  }
  work.report.topic = topic;
  work.report.partition = partition;
  work.report.first_offset = entries.empty() ? chain.head.to : entries.front().from;
  if (chain.floor) {
    work.floor_from = chain.floor->from;
    work.unread_through_seq = chain.floor->removed_through_seq;
    work.report.earliest_restorable_ms = chain.floor->earliest_restorable_ms;
  }
  if (cut == 0) return;

  format::CatalogFloor floor;
  floor.topic = topic;
  floor.partition = partition;
  floor.from = entries[cut - 1].to;
  floor.removed_through_seq = UnreadThroughSeq(chain, floor.from);
  floor.created_at_ms = now_ms;
  if (chain.floor) floor.pruned = chain.floor->pruned;
  int64_t newest_pruned = -1;
  for (size_t i = 0; i < cut; ++i) {
    floor.pruned.Add(entries[i]);
    if (entries[i].segment && entries[i].segment->record_count > 0) {
      newest_pruned = std::max(newest_pruned, entries[i].segment->max_timestamp);
      work.report.records_pruned += entries[i].segment->record_count;
    }
  }
  // Every record newer than the newest one pruned is still there.
  floor.earliest_restorable_ms = std::max(work.report.earliest_restorable_ms, newest_pruned + 1);
  work.report.first_offset = floor.from;
  work.report.earliest_restorable_ms = floor.earliest_restorable_ms;
  work.floor_from = floor.from;
  work.unread_through_seq = floor.removed_through_seq;
  work.new_floor = std::move(floor);
}

}  // namespace

Result<PruneReport> Prune(ObjectStore& store, const std::string& backup_id, const PruneOptions& options) {
  if (options.keep_within_ms <= 0)
    return Fail(ErrorCode::kInvalidArgument, "prune needs a positive retention (keep_within), for example 7d");
  const int64_t now = options.now_ms > 0 ? options.now_ms : NowMs();
  PruneReport report;
  report.backup_id = backup_id;
  report.dry_run = options.dry_run;
  report.horizon_ms = now - options.keep_within_ms;

  KB_ASSIGN_OR_RETURN(auto parts, CatalogPartitions(store, backup_id));
  std::vector<PartitionWork> work(parts.size());
  std::vector<Status> failed(parts.size());
  ParallelFor(parts.size(), kPartitionThreads, [&](size_t i) {
    work[i].tp = parts[i];
    auto chain = LoadPartitionChain(store, backup_id, parts[i].topic, parts[i].partition, CatalogDepth::kFull);
    if (!chain) {
      failed[i] = Fail(chain.error());
      return;
    }
    if (!*chain) {  // no commit yet: nothing to prune
      work[i].report.topic = parts[i].topic;
      work[i].report.partition = parts[i].partition;
      return;
    }
    PlanFloor(**chain, parts[i].topic, parts[i].partition, report.horizon_ms, now, work[i]);
  });
  for (const auto& f : failed) KB_TRY(f);

  auto stopped = [] {
    return Fail(ErrorCode::kCancelled, "prune stopped by a signal; the backup is consistent: run prune again");
  };
  if (StopRequested()) return stopped();

  // 1. The floors. From here on no reader looks below them.
  if (!options.dry_run) {
    ParallelFor(work.size(), kPartitionThreads, [&](size_t i) {
      if (work[i].new_floor) failed[i] = StoreFloor(store, backup_id, *work[i].new_floor);
    });
    for (const auto& f : failed) KB_TRY(f);
  }

  // 2. A restore that may read records older than the horizon may be reading below a floor: it
  // loaded the catalog before the floor was written. Its lease holds the removals back. A restore
  // that takes its lease after this check loads the catalog after the floors, so it never does.
  // Lease expiry is real time, whatever horizon the caller asked for.
  KB_ASSIGN_OR_RETURN(auto leases, LiveLeases(store, backup_id, NowMs()));
  for (const auto& l : leases)
    if (l.kind == "restore" && l.reads_from_ms < report.horizon_ms) report.deferred_by.push_back(DescribeLease(l));

  if (!options.dry_run && !report.deferred_by.empty()) {
    for (auto& w : work) report.partitions.push_back(std::move(w.report));
    return report;
  }

  if (StopRequested()) return stopped();
  // 3. What lies below the floors, and old captures: all of it, or what a dry run would remove.
  ParallelFor(work.size(), kPartitionThreads, [&](size_t i) {
    if (work[i].floor_from <= 0) return;
    auto garbage = ObjectsBelowFloor(store, backup_id, work[i].tp, work[i].floor_from, work[i].unread_through_seq);
    if (garbage) work[i].garbage = std::move(*garbage);
    else failed[i] = Fail(garbage.error());
  });
  for (const auto& f : failed) KB_TRY(f);
  KB_ASSIGN_OR_RETURN(auto captures, CapturesBeforeHorizon(store, backup_id, report.horizon_ms));
  std::vector<ObjectInfo> doomed;
  std::vector<PrunedPartition*> owner;  // per doomed object: its partition (nullptr for a capture)
  for (auto& w : work)
    for (auto& o : w.garbage) {
      doomed.push_back(std::move(o));
      owner.push_back(&w.report);
    }
  for (auto& c : captures) {
    doomed.push_back(std::move(c));
    owner.push_back(nullptr);
  }
  Removal removal;
  if (options.dry_run) removal.removed.assign(doomed.size(), true);
  else removal = RemoveAll(store, doomed);
  for (size_t i = 0; i < doomed.size(); ++i) {
    if (!removal.removed[i]) continue;
    report.objects_removed++;
    report.bytes_removed += doomed[i].size;
    if (!owner[i]) {
      report.captures_removed++;
    } else if (IsSegmentObject(doomed[i])) {
      owner[i]->segments_removed++;
      owner[i]->bytes_removed += doomed[i].size;
    }
  }
  if (removal.error) return Fail(removal.error->With("pruning backup '" + backup_id + "' (run prune again)"));
  report.kept = std::move(removal.kept);
  for (auto& w : work) {
    report.segments_removed += w.report.segments_removed;
    report.partitions.push_back(std::move(w.report));
  }
  return report;
}

Removal RemoveAll(ObjectStore& store, const std::vector<ObjectInfo>& objects) {
  Removal out;
  out.removed.assign(objects.size(), false);
  std::mutex mu;
  ParallelFor(objects.size(), kDeleteThreads, [&](size_t i) {
    auto r = store.Delete(objects[i].key);
    std::lock_guard lock(mu);
    if (!r) {
      if (!out.error) out.error = r.error();
    } else if (r->kept) {
      out.kept.push_back({objects[i].key, r->kept_until_ms});
    } else {
      out.removed[i] = true;
    }
  });
  std::sort(out.kept.begin(), out.kept.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

nlohmann::json PruneReport::ToJson() const {
  using nlohmann::json;
  auto time_or_null = [](int64_t ms) { return ms > 0 ? json(FormatTimestampMs(ms)) : json(nullptr); };
  json parts = json::array();
  for (const auto& p : partitions)
    parts.push_back(json{{"topic", p.topic},
                         {"partition", p.partition},
                         {"first_offset", p.first_offset},
                         {"earliest_restorable", time_or_null(p.earliest_restorable_ms)},
                         {"records_pruned", p.records_pruned},
                         {"segments_removed", p.segments_removed},
                         {"bytes_removed", p.bytes_removed}});
  json kept_json = json::array();
  for (const auto& k : kept) kept_json.push_back(json{{"key", k.key}, {"kept_until", time_or_null(k.until_ms)}});
  return json{{"backup_id", backup_id},
              {"dry_run", dry_run},
              {"horizon", FormatTimestampMs(horizon_ms)},
              {"objects_removed", objects_removed},
              {"bytes_removed", bytes_removed},
              {"segments_removed", segments_removed},
              {"captures_removed", captures_removed},
              {"kept_under_retention", std::move(kept_json)},
              {"deferred_by", deferred_by},
              {"partitions", std::move(parts)}};
}

}  // namespace kb
