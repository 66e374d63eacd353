// RestoreEngine: plan, run, resume. How a restore stays exactly-once:
// - each worker owns one idempotent producer and one partition at a time, so Flush confirms
//   exactly that partition's records; only then does the progress object (RestoreProgressKey)
//   move: next source offset, mapping so far, and the target end it implies;
// - on start, the newest restore of the backup is resumed when it is incomplete and used the
//   same target, window and mapping (its fingerprint). Records it wrote after its last
//   checkpoint (kill -9) are found as the target partition's end beyond the recorded end: the
//   next that-many in-window source records are known to be there (one writer per target
//   partition, in order, idempotent) and are mapped instead of produced again. Resume is
//   exactly-once only when a target partition has one writer; otherwise extra records there
//   make the restore refuse and ask for purge_topics.
// - purge_topics deletes and recreates each target topic (keeping its current partition count,
//   with the captured configs) rather than DeleteRecords: it also resets the configs, and a
//   recreated topic starts at offset 0, so the mapping is easy to read.
#include "restore/restore_engine.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include "catalog/catalog_reader.h"
#include "catalog/documents.h"
#include "catalog/lease.h"
#include "config/kafka_options.h"
#include "core/parallel.h"
#include "core/rate_limiter.h"
#include "core/stop.h"
#include "core/time_util.h"
#include "kafka/admin_client.h"
#include "metrics/progress.h"
#include "restore/restore_parts.h"
#include "restore/restore_selection.h"
#include "restore/restore_worker.h"
#include "restore/window_scan.h"

namespace kb {
namespace {

using json = nlohmann::json;
// Target watermark requests in flight at once while planning.
constexpr size_t kTargetQueryThreads = 16;

std::string Where(const std::string& topic, int32_t partition) { return RestoreWhere(topic, partition); }

json OptMs(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

Status ValidateConfig(const Config& c) {
  if (c.backup_id.empty())
    return Fail(ErrorCode::kInvalidArgument, (c.file.empty() ? std::string("config") : c.file) + ": backup_id is required");
  if (!c.target || c.target->bootstrap_servers.empty())
    return Fail(ErrorCode::kInvalidArgument, "restore needs target.bootstrap_servers or --bootstrap-servers");
  if (c.metrics.enabled)
    return Fail(ErrorCode::kInvalidArgument,
                "metrics.enabled serves /metrics and /health for backups; a restore does not serve them: remove "
                "the metrics section from the restore config");
  const auto& r = c.restore;
  if (r.max_concurrent_partitions < 1)
    return Fail(ErrorCode::kInvalidArgument, "restore.max_concurrent_partitions must be at least 1");
  if (r.produce_batch_size < 1)
    return Fail(ErrorCode::kInvalidArgument, "restore.produce_batch_size must be at least 1");
  if (r.parts > 1 && r.purge_topics)
    return Fail(ErrorCode::kInvalidArgument,
                "restore.purge_topics with --workers: every part would delete and recreate the same topics; purge "
                "them once beforehand (or restore into new topics) and leave purge_topics out");
  return {};
}

std::string NewRestoreId() { return "restore-" + CompactTimestampMs(NowMs()); }

// Counts what falls inside the window for one partition: wholly covered segments and blocks from
// the manifest and footer index, partly covered blocks by decoding them.
Status CountPartition(ObjectStore& store, const format::PartitionManifest& pm, const TimeWindow& w,
                      RestorePlanEntry& e) {
  e.min_timestamp = INT64_MAX;
  e.max_timestamp = INT64_MIN;
  auto add = [&e](uint64_t records, uint64_t bytes, int64_t min_ts, int64_t max_ts) {
    e.records += records;
    e.bytes += bytes;
    e.min_timestamp = std::min(e.min_timestamp, min_ts);
    e.max_timestamp = std::max(e.max_timestamp, max_ts);
  };
  WindowScan scan(store, pm.segments, w, {.summarize_whole = true, .prefetch = false});
  while (true) {
    KB_ASSIGN_OR_RETURN(auto piece, scan.Next());
    if (!piece) break;
    if (piece->whole) add(piece->whole->records, piece->whole->raw_bytes, piece->whole->min_timestamp,
                          piece->whole->max_timestamp);
    for (const auto& r : piece->records) add(1, r.ApproxBytes(), r.timestamp, r.timestamp);
  }
  if (e.records == 0) e.min_timestamp = e.max_timestamp = 0;
  return {};
}

// Whether each target partition is empty: (topic, partition) -> records in it.
// The watermarks of every existing target partition the selection writes to, asked in parallel.
// Topics this restore has just created are empty and not asked: the partitions of a new topic
// answer only once the broker has settled their leaders (seconds, for a thousand partitions).
using TargetMarks = std::map<std::pair<std::string, int32_t>, kafka::WatermarkOffsets>;

// The watermarks of these partitions: one batched lookup per topic (two requests per leader, not
// two per partition), topics in parallel. One failed lookup fails the call, naming its partition.
Result<TargetMarks> PartitionWatermarks(kafka::AdminClient& admin, const std::vector<std::pair<std::string, int32_t>>& wanted) {
  std::map<std::string, std::set<int32_t>> by_topic;
  for (const auto& [topic, partition] : wanted) by_topic[topic].insert(partition);
  std::vector<std::pair<std::string, std::vector<int32_t>>> topics;
  for (const auto& [topic, partitions] : by_topic) topics.emplace_back(topic, std::vector<int32_t>(partitions.begin(), partitions.end()));
  std::vector<Result<std::map<int32_t, kafka::WatermarkOffsets>>> got(topics.size(), std::map<int32_t, kafka::WatermarkOffsets>{});
  ParallelFor(topics.size(), kTargetQueryThreads,
              [&](size_t i) { got[i] = admin.TopicWatermarks(topics[i].first, topics[i].second); });
  TargetMarks out;
  for (size_t i = 0; i < topics.size(); ++i) {
    if (!got[i]) return Fail(got[i].error());
    for (const auto& [partition, marks] : *got[i]) out[{topics[i].first, partition}] = marks;
  }
  return out;
}

Result<TargetMarks> TargetWatermarks(kafka::AdminClient& admin, const RestoreSelection& sel,
                                     const std::set<std::string>& created = {}) {
  std::vector<std::pair<std::string, int32_t>> wanted;
  for (const auto& p : sel.partitions) {
    const auto& t = sel.targets.at(p.target_topic);
    if (!t.exists) continue;
    if (p.target_partition >= 0) {
      if (p.target_partition < t.partition_count) wanted.emplace_back(p.target_topic, p.target_partition);
    } else {
      for (int32_t i = 0; i < t.partition_count; ++i) wanted.emplace_back(p.target_topic, i);
    }
  }
  TargetMarks out;
  std::erase_if(wanted, [&](const auto& tp) {
    const bool is_new = created.count(tp.first) > 0;
    if (is_new) out[tp] = kafka::WatermarkOffsets{0, 0};  // empty
    return is_new;
  });
  KB_ASSIGN_OR_RETURN(auto asked, PartitionWatermarks(admin, wanted));
  out.merge(asked);
  return out;
}

std::string NonEmptyMessage(const std::string& topic, int32_t partition, int64_t n) {
  return "target " + Where(topic, partition) + " already holds " + std::to_string(n) +
         " records: refusing to write into a non-empty partition; set restore.purge_topics: true to replace the "
         "topic, or restore.allow_non_empty: true / --allow-non-empty to append";
}

// CreateTopic retries through controller moves and timeouts itself, up to the retry deadline.
// Adds the topic to `created` when this call created it (not when someone else just had).
Status CreateTarget(kafka::AdminClient& admin, const TargetTopicState& t, int32_t partitions, int16_t rf,
                    std::set<std::string>& created) {
  Status made = admin.CreateTopic(t.name, partitions, rf, t.captured_configs);
  if (made) created.insert(t.name);
  if (made || made.error().code == ErrorCode::kAlreadyExists) return {};
  return Fail(made.error().With("cannot create target topic '" + t.name + "'"));
}

}  // namespace

nlohmann::json RestorePlan::ToJson() const {
  json j{{"backup_id", backup_id}, {"time_window_start", OptMs(time_window_start)},
         {"time_window_end", OptMs(time_window_end)}, {"entries", json::array()}, {"problems", problems}};
  uint64_t records = 0, bytes = 0;
  for (const auto& e : entries) {
    records += e.records;
    bytes += e.bytes;
    j["entries"].push_back(json{{"source_topic", e.source_topic}, {"source_partition", e.source_partition},
                                {"target_topic", e.target_topic}, {"target_partition", e.target_partition},
                                {"records", e.records}, {"bytes", e.bytes}, {"min_timestamp", e.min_timestamp},
                                {"max_timestamp", e.max_timestamp}, {"target_topic_exists", e.target_topic_exists},
                                {"target_partition_empty", e.target_partition_empty}});
  }
  j["records"] = records;
  j["bytes"] = bytes;
  j["ok"] = problems.empty();
  return j;
}

RestoreEngine::RestoreEngine(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka)
    : config_(config), store_(store), kafka_(kafka) {}

Result<RestorePlan> RestoreEngine::Plan() {
  KB_TRY(ValidateConfig(config_));
  KB_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store_, config_.backup_id));
  KB_ASSIGN_OR_RETURN(auto admin, kafka_.CreateAdmin(ToKafkaClientConfig(*config_.target)));
  KB_ASSIGN_OR_RETURN(auto sel, SelectForRestore(config_, std::move(manifest), *admin));
  KB_ASSIGN_OR_RETURN(auto marks, TargetWatermarks(*admin, sel));
  RestorePlan plan;
  plan.backup_id = config_.backup_id;
  plan.time_window_start = config_.restore.time_window_start;
  plan.time_window_end = config_.restore.time_window_end;
  plan.problems = sel.problems;
  TimeWindow w{config_.restore.time_window_start, config_.restore.time_window_end};
  bool may_write_non_empty = config_.restore.purge_topics || config_.restore.allow_non_empty;
  std::set<std::pair<std::string, int32_t>> reported;
  for (const auto& p : sel.partitions) {
    RestorePlanEntry e;
    e.source_topic = p.source_topic;
    e.source_partition = p.source_partition;
    e.target_topic = p.target_topic;
    e.target_partition = p.target_partition;
    e.target_topic_exists = sel.targets.at(p.target_topic).exists;
    KB_TRY(CountPartition(store_, *p.manifest, w, e));
    for (const auto& [tp, wm] : marks) {
      const int64_t n = wm.high - wm.low;
      if (tp.first != p.target_topic || (p.target_partition >= 0 && tp.second != p.target_partition) || n <= 0) continue;
      e.target_partition_empty = false;
      if (!may_write_non_empty && reported.insert(tp).second)
        plan.problems.push_back(NonEmptyMessage(tp.first, tp.second, n));
    }
    plan.entries.push_back(e);
  }
  return plan;
}

Result<RestoreResult> RestoreEngine::Run() {
  KB_TRY(ValidateConfig(config_));
  // A dry run is answered by Plan(); this guard keeps any caller from writing on one.
  if (config_.restore.dry_run)
    return Fail(ErrorCode::kInternal, "restore.dry_run is set but the restore was asked to run; nothing was written");
#ifdef __GLIBC__
  // Blocks and decoded records are freed by many threads; with glibc's growing mmap threshold
  // the freed memory stays in its heaps and peak RSS grows with the backup. Keep it fixed.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
  const auto& r = config_.restore;
  uint64_t read_before = store_.bytes_read();
  // Fixed costs count for small restores: the debug log says where the time went.
  auto since_start = [t0 = std::chrono::steady_clock::now()] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  };
  // Taken before the catalog is read, so a prune either sees this lease or wrote its floors first.
  KB_ASSIGN_OR_RETURN(auto lease, Lease::Acquire(store_, config_.backup_id, "restore", r.time_window_start.value_or(0)));
  spdlog::debug("start-up: lease taken after {} ms", since_start());
  KB_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store_, config_.backup_id));
  spdlog::debug("start-up: catalog read after {} ms", since_start());
  uint64_t backup_stored_bytes = 0;
  for (const auto& t : manifest.topics)
    for (const auto& p : t.partitions)
      for (const auto& s : p.segments) backup_stored_bytes += s.stored_bytes;
  auto kafka_config = ToKafkaClientConfig(*config_.target);
  KB_ASSIGN_OR_RETURN(auto admin, kafka_.CreateAdmin(kafka_config));
  KB_TRY(admin->Metadata());  // unreachable target: fail before anything is written
  spdlog::debug("start-up: catalog read and target reached after {} ms", since_start());

  // Resume the newest restore when it is incomplete and restores the same thing to the same place.
  // A part of a parallel restore resumes the newest restore of the same part only.
  std::string fingerprint = RestoreFingerprint(config_);
  const std::string part = RestorePartSuffix(r.parts, r.part_index);
  std::string restore_id;
  std::optional<format::RestoreProgress> resume;
  KB_ASSIGN_OR_RETURN(auto restores, ListRestores(store_, config_.backup_id));
  std::erase_if(restores, [&](const StoredRestore& s) {
    const std::string& id = s.restore_id;
    bool same_part = part.empty() ? id.find("-part-") == std::string::npos && id.find("-all-of-") == std::string::npos
                                  : id.size() > part.size() && id.compare(id.size() - part.size(), part.size(), part) == 0;
    return !same_part;
  });
  if (!restores.empty()) {
    const StoredRestore& newest = restores.back();
    bool incomplete = newest.has_progress;
    if (incomplete && newest.has_report) {
      auto report = LoadRestoreReport(store_, config_.backup_id, newest.restore_id);
      incomplete = !report || !report->complete;  // a damaged report: the progress decides
    }
    if (incomplete) {
      KB_ASSIGN_OR_RETURN(auto saved, LoadRestoreProgress(store_, config_.backup_id, newest.restore_id));
      auto broken = std::find_if(saved.partitions.begin(), saved.partitions.end(),
                                 [](const auto& p) { return !p.target_error.empty(); });
      if (broken != saved.partitions.end()) {
        spdlog::warn("newest restore {} is not resumed: target {}: {}", newest.restore_id,
                     Where(broken->target_topic, broken->target_partition), broken->target_error);
      } else if (saved.fingerprint == fingerprint) {
        restore_id = newest.restore_id;
        resume = std::move(saved);
        spdlog::info("resuming interrupted restore {} of backup '{}'", restore_id, config_.backup_id);
      } else {
        spdlog::info("newest restore {} is incomplete but used another target, window or mapping: starting a new one",
                     newest.restore_id);
      }
    }
  }
  if (restore_id.empty()) restore_id = NewRestoreId() + part;

  KB_ASSIGN_OR_RETURN(auto sel, SelectForRestore(config_, std::move(manifest), *admin));
  if (!sel.problems.empty()) {
    std::string msg = "restore of backup '" + config_.backup_id + "' cannot start:";
    for (const auto& p : sel.problems) msg += "\n  - " + p;
    return Fail(ErrorCode::kInvalidArgument, msg);
  }
  if (sel.partitions.empty())
    return Fail(ErrorCode::kNotFound, "backup '" + config_.backup_id + "' has no partition that target.topics and "
                                      "restore.source_partitions select");

  // Create missing topics; purge (delete + recreate) existing ones unless this run resumes.
  std::set<std::string> created;
  for (auto& [name, t] : sel.targets) {
    if (!t.exists) {
      spdlog::info("creating target topic '{}' ({} partitions, {} captured configs)", name, t.partition_count,
                   t.captured_configs.size());
      KB_TRY(CreateTarget(*admin, t, t.partition_count, r.default_replication_factor, created));
    } else if (r.purge_topics && !resume) {
      spdlog::info("purging target topic '{}': deleting and recreating it with {} partitions", name, t.partition_count);
      if (auto st = admin->DeleteTopic(name); !st && st.error().code != ErrorCode::kNotFound)
        return Fail(st.error().With("cannot purge target topic '" + name + "'"));
      KB_TRY(CreateTarget(*admin, t, t.partition_count, r.default_replication_factor, created));
    }
  }
  KB_TRY(RefreshTargets(sel, *admin));

  Progress progress("restore");
  RestoreRun run{config_, store_, restore_id, fingerprint, kafka_, kafka_config,
               TimeWindow{r.time_window_start, r.time_window_end},
               RateLimiter(r.rate_limit_records_per_sec, r.rate_limit_bytes_per_sec), progress,
               r.include_original_offset_header || r.consumer_group_strategy == format::ResetStrategy::kHeaderBased};
  run.created_at_ms = resume ? resume->created_at_ms : NowMs();
  std::map<std::pair<std::string, int32_t>, const format::RestorePartitionProgress*> saved;
  if (resume)
    for (const auto& p : resume->partitions) saved[{p.source_topic, p.source_partition}] = &p;

  KB_ASSIGN_OR_RETURN(auto marks, TargetWatermarks(*admin, sel, created));
  bool may_write_non_empty = r.purge_topics || r.allow_non_empty;
  std::set<std::pair<std::string, int32_t>> resumed_targets;
  uint64_t expected = 0;
  for (const auto& p : sel.partitions) {
    auto job = std::make_unique<RestoreJob>();
    job->sel = p;
    job->state.mapping.source_topic = p.source_topic;
    job->state.mapping.source_partition = p.source_partition;
    job->state.mapping.target_topic = p.target_topic;
    job->state.mapping.target_partition = p.target_partition;
    auto it = saved.find({p.source_topic, p.source_partition});
    if (it != saved.end()) {
      FromProgress(*it->second, *job);
      job->resumed = true;
      if (p.target_partition >= 0) resumed_targets.insert({p.target_topic, p.target_partition});
      else for (int32_t i = 0; i < p.target_partition_count; ++i) resumed_targets.insert({p.target_topic, i});
    } else if (!p.manifest->segments.empty()) {
      job->state.next_source_offset = p.manifest->segments.front().first_offset;
    }
    for (const auto& s : p.manifest->segments)
      if (SegmentInWindow(s, run.window, job->state.next_source_offset)) expected += s.record_count;
    run.jobs.push_back(std::move(job));
  }
  // Refuse non-empty partitions (those this restore itself wrote before are fine).
  if (!may_write_non_empty) {
    for (const auto& [tp, wm] : marks)
      if (wm.high - wm.low > 0 && !resumed_targets.count(tp))
        return Fail(ErrorCode::kConflict, NonEmptyMessage(tp.first, tp.second, wm.high - wm.low));
  }
  // Where each exclusive target partition ends now: the base for new records, and (resume)
  // how many records the interrupted run wrote after its last checkpoint.
  for (auto& job : run.jobs) {
    if (!job->sel.exclusive) continue;
    auto mark = marks.find({job->sel.target_topic, job->sel.target_partition});
    if (mark == marks.end())
      return Fail(ErrorCode::kNotFound, "target " + Where(job->sel.target_topic, job->sel.target_partition) +
                                            " does not exist");
    const auto& wm = mark->second;
    auto& s = job->state;
    if (!job->resumed || s.target_end < 0) {
      s.target_end = wm.high;
    } else if (wm.high > s.target_end && !s.done) {
      job->tail_extra = wm.high - s.target_end;
      spdlog::info("{}: {} records were written after the last checkpoint of {}; they are kept, not written again",
                   Where(job->sel.target_topic, job->sel.target_partition), job->tail_extra, restore_id);
    } else if (wm.high < s.target_end) {
      return Fail(ErrorCode::kConflict, "cannot resume " + restore_id + ": target " +
                                            Where(job->sel.target_topic, job->sel.target_partition) + " ends at " +
                                            std::to_string(wm.high) + " but the restore had written up to " +
                                            std::to_string(s.target_end) +
                                            " (was it purged?): set restore.purge_topics: true to start over");
    }
  }
  if (resume) {
    // Shared target partitions: records after the checkpoint cannot be attributed.
    for (const auto& job : run.jobs) {
      if (job->sel.exclusive || job->state.done) continue;
      return Fail(ErrorCode::kConflict,
                  "cannot resume " + restore_id + " exactly once: " + Where(job->sel.target_topic, job->sel.target_partition) +
                      " receives records from several source partitions (repartitioning or partition_mapping), so "
                      "records written after the last checkpoint cannot be told apart; set restore.purge_topics: true "
                      "to restore again from scratch");
    }
  }
  {
    std::lock_guard<std::mutex> lock(run.mu);
    KB_TRY(run.PersistLocked(true));
  }

  progress.SetExpectedRecords(expected);
  progress.StartLiveLine();
  size_t workers = std::max<size_t>(1, std::min<size_t>(r.max_concurrent_partitions, run.jobs.size()));
  run.workers = workers;
  spdlog::info("restore {} of backup '{}': {} partitions ({} workers), up to {} records", restore_id,
               config_.backup_id, run.jobs.size(), workers, expected);
  spdlog::debug("start-up: workers start after {} ms", since_start());
  RunRestoreWorkers(run);
  progress.Stop();
  spdlog::debug("workers done after {} ms", since_start());

  RestoreResult result;
  result.restore_id = restore_id;
  result.resumed = resume.has_value();
  result.interrupted = StopRequested();
  result.mapping.backup_id = config_.backup_id;
  result.mapping.restore_id = restore_id;
  result.mapping.created_at_ms = NowMs();
  result.mapping.time_window_start = r.time_window_start;
  result.mapping.time_window_end = r.time_window_end;
  // Each target partition's end now.
  std::vector<std::pair<std::string, int32_t>> targets;
  for (const auto& job : run.jobs)
    if (job->sel.target_partition >= 0) targets.emplace_back(job->sel.target_topic, job->sel.target_partition);
  std::map<std::pair<std::string, int32_t>, int64_t> ends;
  if (auto end_marks = PartitionWatermarks(*admin, targets); end_marks) {
    for (const auto& [tp, marks] : *end_marks) ends[tp] = marks.high;
  } else if (result.interrupted) {  // the stop grace may be over: the checkpoints' ends stand in
    spdlog::warn("cannot read the target's end offsets after the stop: {}", end_marks.error().message);
  } else {
    result.errors.push_back("cannot read the target's end offsets: " + end_marks.error().message);
  }
  // The last check of an exclusive target partition: it ends exactly where the confirmed records
  // put its end. A shorter one lost a record the broker confirmed (reported without an offset).
  for (auto& job : run.jobs) {
    auto& s = job->state;
    auto end = ends.find({job->sel.target_topic, job->sel.target_partition});
    if (!job->sel.exclusive || !s.done || end == ends.end() || end->second == s.target_end) continue;
    std::lock_guard<std::mutex> lock(run.mu);
    s.target_error = "the partition ends at offset " + std::to_string(end->second) + " but the records the broker "
                     "confirmed end at " + std::to_string(s.target_end) + ": " + kTargetOutOfOrder;
    s.error = Where(job->sel.target_topic, job->sel.target_partition) + ": " + s.target_error;
    s.status = "failed";
    s.done = false;
    run.persist_pending = true;
    spdlog::error("{}", s.error);
  }
  if (run.persist_pending) {
    std::lock_guard<std::mutex> lock(run.mu);
    if (auto st = run.PersistLocked(true); !st) spdlog::warn("cannot store restore progress: {}", st.error().message);
  }
  for (auto& job : run.jobs) {
    auto& s = job->state;
    PartitionMapping pm = s.mapping;
    if (job->sel.target_partition >= 0) {
      auto key = std::make_pair(job->sel.target_topic, job->sel.target_partition);
      pm.target_end_offset = ends.count(key) ? ends[key] : s.target_end;
    }
    result.mapping.partitions.push_back(pm);
    result.records += s.records;
    result.bytes += s.bytes;
    result.partitions_total++;
    if (s.done) result.partitions_complete++;
    else if (!s.error.empty()) result.errors.push_back(s.error);
    else if (s.status != "interrupted")
      result.errors.push_back(Where(job->sel.source_topic, job->sel.source_partition) + ": not restored (" + s.status + ")");
    result.report.partitions.push_back({job->sel.source_topic, job->sel.source_partition, job->sel.target_topic,
                                         job->sel.target_partition, s.records, s.bytes, s.first_source_offset,
                                         s.last_source_offset, s.next_source_offset, pm.target_end_offset,
                                         s.done ? "complete" : s.status, s.error});
  }
  result.complete = result.errors.empty() && !result.interrupted && result.partitions_complete == result.partitions_total;
  result.bytes_read_from_storage = store_.bytes_read() - read_before;
  result.seconds = progress.elapsed_seconds();
  // Throughput of this run only (a resumed restore's totals include the earlier run).
  double mbps = result.seconds > 0 ? progress.bytes() / 1e6 / result.seconds : 0;

  auto stored = [&](const char* what, Status st) {
    if (!st) {
      result.errors.push_back(std::string("cannot store the restore's ") + what + ": " + st.error().message);
      result.complete = false;
    }
  };
  stored("offset mapping", StoreOffsetMapping(store_, result.mapping));
  format::RestoreReport& rep = result.report;
  rep.restore_id = restore_id;
  rep.backup_id = config_.backup_id;
  rep.target = TargetBootstrapList(config_);
  rep.time_window_start = r.time_window_start;
  rep.time_window_end = r.time_window_end;
  rep.complete = result.complete;
  rep.status = result.complete ? "complete" : result.interrupted ? "interrupted"
               : result.partitions_complete > 0 ? "partial" : "failed";
  rep.resumed = result.resumed;
  rep.records = result.records;
  rep.bytes = result.bytes;
  rep.records_this_run = progress.records();
  rep.bytes_this_run = progress.bytes();
  rep.bytes_read_from_storage = result.bytes_read_from_storage;
  rep.backup_stored_bytes = backup_stored_bytes;
  rep.seconds = result.seconds;
  rep.mb_per_second = mbps;
  rep.started_at_ms = run.created_at_ms;
  rep.finished_at_ms = NowMs();
  rep.partitions_total = result.partitions_total;
  rep.partitions_complete = result.partitions_complete;
  rep.errors = result.errors;
  rep.consumer_group_strategy = format::ResetStrategyName(r.consumer_group_strategy);  // offset-reset's defaults (BuildResetPlan)
  rep.snapshot_id = r.snapshot_id;
  rep.fingerprint = fingerprint;
  rep.part = r.part_index;
  rep.parts = r.parts;
  stored("report", StoreRestoreReport(store_, rep));
  spdlog::debug("report stored after {} ms", since_start());
  rep.complete = result.complete;  // a report that could not be stored makes the restore incomplete
  rep.errors = result.errors;
  return result;
}

}  // namespace kb
