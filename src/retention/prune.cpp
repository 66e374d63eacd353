#include "retention/prune.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "catalog/catalog_reader.h"
#include "catalog/lease.h"
#include "core/parallel.h"
#include "core/stop.h"
#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb {
namespace {

constexpr size_t kPartitionThreads = 16;
constexpr size_t kDeleteThreads = 8;
constexpr size_t kListPage = 1000;

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

// Lists `prefix` page by page. `take` sees each object and returns false to stop; it may set
// `jump` to a key to go on listing after instead.
template <typename Take>
Status ListPages(ObjectStore& store, const std::string& prefix, Take&& take) {
  std::string after;
  while (true) {
    ListOptions page_options;
    page_options.start_after = after;
    page_options.max_keys = kListPage;
    KB_ASSIGN_OR_RETURN(auto page, store.List(prefix, page_options));
    bool jumped = false;
    for (const auto& o : page) {
      std::optional<std::string> jump;
      if (!take(o, &jump)) return {};
      after = jump ? *jump : o.key;
      if ((jumped = jump.has_value())) break;
    }
    if (!jumped && page.size() < kListPage) return {};
  }
}

// Everything of one partition that readers no longer need once its floor is `work.floor_from`.
Status CollectGarbage(ObjectStore& store, const std::string& backup_id, PartitionWork& work) {
  const auto& tp = work.tp;
  const int64_t floor = work.floor_from;
  const int64_t through = work.unread_through_seq;
  // Segments, lowest offsets first: those that end before the floor.
  KB_TRY(ListPages(store, format::SegmentPrefix(backup_id, tp.topic, tp.partition),
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     int64_t first = 0, last = 0;
                     if (!format::ParseSegmentKey(o.key, &first, &last)) return true;
                     if (first >= floor) return false;
                     if (last < floor) work.garbage.push_back(o);
                     return true;
                   }));
  // Checkpoints, oldest first.
  KB_TRY(ListPages(store, format::CatalogCheckpointPrefix(backup_id, tp.topic, tp.partition),
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     const int64_t seq = format::CatalogCheckpointKeySeq(o.key);
                     if (seq > through) return false;
                     if (seq >= 0) work.garbage.push_back(o);
                     return true;
                   }));
  // Commits sort by run, then highest seq first: within each run, skip to the commits at or below
  // `through`, so the listing costs what is removed plus one request per run.
  if (through > 0) {
    KB_TRY(ListPages(store, format::CatalogCommitPrefix(backup_id, tp.topic, tp.partition),
                     [&](const ObjectInfo& o, std::optional<std::string>* jump) {
                       const int64_t seq = format::CatalogCommitKeySeq(o.key);
                       if (seq < 0) return true;
                       if (seq <= through) {
                         work.garbage.push_back(o);
                       } else {
                         *jump = format::CatalogCommitKey(backup_id, tp.topic, tp.partition,
                                                          format::CatalogCommitKeyRunId(o.key), through + 1);
                       }
                       return true;
                     }));
  }
  // Floors older than the newest, which sorts first.
  bool newest = true;
  KB_TRY(ListPages(store, format::CatalogFloorPrefix(backup_id, tp.topic, tp.partition),
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     if (!newest) work.garbage.push_back(o);
                     newest = false;
                     return true;
                   }));
  return {};
}

// Captures up to the horizon, except the newest of them: group positions at the horizon stay known.
Result<std::vector<ObjectInfo>> CapturesToRemove(ObjectStore& store, const std::string& backup_id, int64_t horizon_ms) {
  std::vector<ObjectInfo> old;
  KB_TRY(ListPages(store, format::OffsetCapturePrefix(backup_id), [&](const ObjectInfo& o, std::optional<std::string>*) {
    const int64_t t = format::OffsetCaptureKeyTime(o.key);
    if (t > horizon_ms) return false;
    if (t >= 0) old.push_back(o);
    return true;
  }));
  if (!old.empty()) old.pop_back();
  return old;
}

bool IsSegment(const ObjectInfo& o) {
  int64_t first = 0, last = 0;
  return format::ParseSegmentKey(o.key, &first, &last);
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
      const auto& f = work[i].new_floor;
      if (!f) return;
      const std::string key = format::CatalogFloorKey(backup_id, f->topic, f->partition, f->from);
      auto exists = store.Size(key);  // a re-run after a crash: the floor is already there
      if (exists) return;
      if (exists.error().code != ErrorCode::kNotFound) {
        failed[i] = Fail(exists.error());
        return;
      }
      failed[i] = store.Put(key, format::Serialize(*f));
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
    if (work[i].floor_from > 0) failed[i] = CollectGarbage(store, backup_id, work[i]);
  });
  for (const auto& f : failed) KB_TRY(f);
  KB_ASSIGN_OR_RETURN(auto captures, CapturesToRemove(store, backup_id, report.horizon_ms));
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
    } else if (IsSegment(doomed[i])) {
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
