#include "backup/backup_engine.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "backup/backup_worker.h"
#include "catalog/catalog_writer.h"
#include "catalog/documents.h"
#include "catalog/lease.h"
#include "config/kafka_options.h"
#include "config/topic_filter.h"
#include "core/parallel.h"
#include "core/stop.h"
#include "core/time_util.h"
#include "format/segment.h"
#include "kafka/admin_client.h"
#include "kafka/group_offsets.h"
#include "metrics/metrics_server.h"
#include "metrics/progress.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;
// After a failed consumer-offset capture (continuous mode), the next try comes this soon.
constexpr std::chrono::seconds kCaptureRetryInterval{10};

std::string ModeName(const BackupOptions& b) {
  if (b.continuous) return "continuous";
  return b.stop_at_current_offsets ? "snapshot" : "one-shot";
}

// A topic's shape for the catalog, and the jobs for its partitions: a partition the backup already
// has resumes where its chain ends; a new one starts at backup.start_offset and must be started
// in the catalog (`fresh`) before it is read.
struct PlannedTopic {
  format::RunTopic topic;
  std::vector<PartitionJob> jobs;
  std::vector<PartitionJob> fresh;
};

Result<PlannedTopic> PlanTopic(kafka::AdminClient& admin, const Config& config, const CatalogWriter& catalog,
                               const std::string& topic, bool continuous) {
  KB_ASSIGN_OR_RETURN(auto desc, admin.DescribeTopicConfigs(topic));
  PlannedTopic out;
  out.topic = format::RunTopic{topic, desc.partition_count, desc.replication_factor, desc.configs, {}};
  // One lookup for all partitions (two requests per leader): a topic of many small partitions
  // starts at once.
  std::vector<int32_t> partitions(static_cast<size_t>(desc.partition_count));
  for (int32_t p = 0; p < desc.partition_count; ++p) partitions[static_cast<size_t>(p)] = p;
  KB_ASSIGN_OR_RETURN(auto marks, admin.TopicWatermarks(topic, partitions));
  for (int32_t p = 0; p < desc.partition_count; ++p) {
    const kafka::WatermarkOffsets& wm = marks.at(p);
    out.topic.end_offsets_at_start.push_back(wm.high);
    PartitionJob job{topic, p, 0, continuous ? kNoEnd : wm.high};
    if (int64_t resume = catalog.NextOffset(topic, p); resume >= 0) {
      job.start = resume;
    } else {
      job.start = FreshStart(config.backup.start_offset, wm);
      out.fresh.push_back(job);
    }
    out.jobs.push_back(job);
  }
  return out;
}

Status StartFresh(CatalogWriter& catalog, const std::vector<PartitionJob>& fresh) {
  std::vector<Status> started(fresh.size());
  ParallelFor(fresh.size(), kPlanThreads,
              [&](size_t i) { started[i] = catalog.StartPartition(fresh[i].topic, fresh[i].partition, fresh[i].start); });
  for (const auto& st : started) KB_TRY(st);
  return {};
}

}  // namespace

BackupEngine::BackupEngine(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka, BackupHooks hooks)
    : config_(config), store_(store), kafka_(kafka), hooks_(std::move(hooks)) {}

Result<BackupSummary> BackupEngine::Run() {
  if (config_.backup_id.empty()) return Fail(ErrorCode::kInvalidArgument, config_.file + ": backup_id is required");
  if (!config_.source || config_.source->bootstrap_servers.empty())
    return Fail(ErrorCode::kInvalidArgument, config_.file + ": source.bootstrap_servers is required for a backup");
  const format::Codec codec = config_.backup.compression;
#ifdef __GLIBC__
  // Segment buffers are large, short-lived and freed by many threads. glibc's default mmap
  // threshold grows to 32 MiB after the first such free, so later buffers come from its heaps and
  // stay there: peak RSS grew with the amount backed up. A fixed threshold hands them back.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif

  const auto started = Clock::now();
  auto since_start = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };
  auto kafka_config = ToKafkaClientConfig(*config_.source);
  KB_ASSIGN_OR_RETURN(auto admin, kafka_.CreateAdmin(kafka_config));
  KB_ASSIGN_OR_RETURN(auto meta, admin->Metadata());

  KB_ASSIGN_OR_RETURN(auto filter, TopicFilter::Create(config_.source->topics));
  for (const auto& literal : filter.LiteralIncludes()) {
    if (!meta.topics.count(literal))
      return Fail(ErrorCode::kNotFound, "topic '" + literal + "' named in source.topics.include does not exist on " +
                                            admin->bootstrap() + ": check the name, or create the topic first");
  }
  KB_ASSIGN_OR_RETURN(auto topics, SelectTopics(*admin, *config_.source, config_.backup.include_internal_topics));
  if (topics.empty() && !config_.backup.continuous)
    return Fail(ErrorCode::kNotFound, "no topic on " + admin->bootstrap() + " matches source.topics");

  // Announce the run before writing anything, so `delete` refuses while it runs.
  KB_ASSIGN_OR_RETURN(auto lease, Lease::Acquire(store_, config_.backup_id, "backup", 0));
  // Resume an existing backup of the same id, or start a new one.
  KB_ASSIGN_OR_RETURN(auto catalog, CatalogWriter::Open(store_, config_.backup_id));
  std::string cluster_id = meta.cluster_id;
  if (catalog->exists()) {
    const auto& had = catalog->loaded();
    spdlog::info("resuming backup '{}' ({} topics already in it)", config_.backup_id, had.topics.size());
    if (!had.cluster_id.empty() && !meta.cluster_id.empty() && had.cluster_id != meta.cluster_id)
      return Fail(ErrorCode::kConflict, "backup '" + config_.backup_id + "' was taken from cluster " + had.cluster_id +
                                            " but " + admin->bootstrap() + " is cluster " + meta.cluster_id +
                                            ": use another backup_id");
    if (!had.cluster_id.empty()) cluster_id = had.cluster_id;
  }
  const std::string mode = ModeName(config_.backup);

  bool continuous = config_.backup.continuous;
  std::vector<PartitionJob> jobs, fresh;
  std::vector<format::RunTopic> run_topics;
  for (const auto& t : topics) {
    KB_ASSIGN_OR_RETURN(auto planned, PlanTopic(*admin, config_, *catalog, t, continuous));
    jobs.insert(jobs.end(), planned.jobs.begin(), planned.jobs.end());
    fresh.insert(fresh.end(), planned.fresh.begin(), planned.fresh.end());
    run_topics.push_back(std::move(planned.topic));
  }
  spdlog::debug("start-up: {} partitions planned after {} ms", jobs.size(), since_start());
  // Scale-out: the group decides which partitions this process backs up; they are started in the
  // catalog when assigned, not here.
  const bool member = config_.backup.coordination == Coordination::kKafkaGroup;
  const std::string group_id = member ? config_.backup.coordination_group_id : "";
  CatalogWriter::RunOptions run_options{mode, format::CodecName(config_.backup.compression), cluster_id, admin->bootstrap(), group_id, ""};
  KB_TRY(catalog->BeginRun(run_options, run_topics));
  if (!member) KB_TRY(StartFresh(*catalog, fresh));
  spdlog::debug("start-up: catalog run begun after {} ms", since_start());
  if (hooks_.started) hooks_.started();

  Progress progress("backup");
  uint64_t expected = 0;
  for (const auto& j : jobs)
    if (j.end != kNoEnd && j.end > j.start) expected += static_cast<uint64_t>(j.end - j.start);
  progress.SetExpectedRecords(expected);
  progress.StartLiveLine();

  RunState run{config_, store_, *catalog, progress, *admin, kafka_, kafka_config, {}, continuous};
  RateLimiter limiter(0, config_.backup.rate_limit_bytes_per_sec);
  if (!limiter.unlimited()) run.limiter = &limiter;
  run.segment_options.codec = codec;
  run.segment_options.level = config_.backup.compression_level;
  run.segment_options.block_bytes = config_.backup.block_bytes;
  run.segment_options.expected_bytes = config_.backup.segment_max_bytes;
  size_t workers = std::max<size_t>(1, std::min<size_t>(config_.backup.max_concurrent_partitions,
                                                        continuous ? std::max<size_t>(jobs.size(), 1) : jobs.size()));
  if (member) {
    // One group member per process: its consumer gets what the group assigns.
    workers = 1;
    run.group_id = group_id;
    run.run_options = run_options;
    run.subscription = topics;
    run.subscription_version = 1;
    run.lease = lease.get();
    run.ensure_topic = [&](const std::string& topic, int32_t partition) -> Status {
      if (catalog->PartitionCount(topic) > partition) return {};
      KB_ASSIGN_OR_RETURN(auto planned, PlanTopic(*admin, config_, *catalog, topic, true));
      return catalog->AddTopic(planned.topic);
    };
    spdlog::info("backup '{}': joining consumer group {}; it assigns this process its partitions", config_.backup_id,
                 group_id);
  }
  run.inbox.resize(workers);
  for (size_t i = 0; i < jobs.size() && !member; ++i) {
    if (continuous) run.inbox[i % workers].push_back(jobs[i]);
    else run.pending.push_back(jobs[i]);
  }
  run.share = std::max<size_t>(1, (jobs.size() + workers - 1) / workers);
  std::set<kafka::TopicPartition> known;
  for (const auto& j : jobs) known.insert({j.topic, j.partition});
  if (!member) run.partitions = known.size();

  // Listening fails before anything is read: a backup whose monitoring is broken does not start.
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (config_.metrics.enabled) {
    KB_ASSIGN_OR_RETURN(metrics_server, metrics::MetricsServer::Start(config_.metrics, [&run, &progress, &admin, this, mode] {
      metrics::BackupStatus st;
      st.backup_id = config_.backup_id;
      st.mode = mode;
      st.uptime_seconds = progress.elapsed_seconds();
      st.records = progress.records();
      st.bytes = progress.bytes();
      st.stored_bytes = progress.stored_bytes();
      st.segments = run.segments;
      st.gaps = run.gaps;
      st.gap_records = run.gap_records;
      st.partitions = run.partitions;
      st.offset_captures = run.offset_captures;
      st.last_segment_ms = run.last_segment_ms;
      st.last_capture_ms = run.last_capture_ms;
      st.catalog_commits = run.catalog.commits();
      st.catalog_bytes = run.catalog.metadata_bytes();
      if (hooks_.status) hooks_.status(st);
      std::lock_guard<std::mutex> lock(run.mu);
      st.errors = run.errors;
      st.cluster_error = run.cluster_error;
      st.cluster_error_since_ms = run.cluster_error_since_ms;
      if (OutageState kafka = admin->outage().State(); st.cluster_error.empty() && kafka.retrying) {
        st.cluster_error = kafka.last_error;  // a request is being retried right now
        st.cluster_error_since_ms = kafka.since_ms;
      }
      st.offset_captures_missed = run.offset_captures_missed;
      st.last_capture_error = run.last_capture_error;
      st.group = run.group_id;
      st.member_id = run.member_id;
      for (const auto& tp : run.assigned) st.assigned.push_back(tp.topic + "/" + std::to_string(tp.partition));
      st.storage = store_.outage().State();
      return st;
    }));
    spdlog::info("serving /metrics and /health on {}:{}", config_.metrics.bind_address, metrics_server->port());
  }

  spdlog::info("backup '{}' ({}): {} topics, {} partitions, {} records to read", config_.backup_id, mode,
               topics.size(), jobs.size(), continuous ? std::string("following") : std::to_string(expected));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < workers; ++i) threads.emplace_back([&run, i] { RunWorker(run, i); });

  std::set<std::string> backed_up(topics.begin(), topics.end());
  // Returns whether the capture was stored. A continuous backup outlives a failed capture (a side
  // task must not end it): the miss is counted, shown on /health and /metrics, and tried again.
  auto capture_offsets = [&]() {
    if (!config_.backup.capture_consumer_offsets) return true;
    auto c = kafka::ReadCommittedOffsets(*admin, config_.backup.consumer_groups, backed_up, group_id).transform(format::ToCapture);
    Status stored = c ? StoreOffsetCapture(store_, config_.backup_id, *c).transform([](auto&&) {})
                      : Status(tl::unexpected(c.error()));
    if (!stored) {
      std::string why = (c ? "cannot store consumer group offsets: " : "cannot capture consumer group offsets: ") +
                        stored.error().message;
      if (!continuous) {
        run.AddError(why);
        return false;
      }
      run.offset_captures_missed++;
      spdlog::warn("{} (missed capture {}; the backup goes on and tries again)", why, run.offset_captures_missed.load());
      std::lock_guard<std::mutex> lock(run.mu);
      run.last_capture_error = why;
      return false;
    }
    run.offset_captures++;
    run.last_capture_ms = NowMs();
    {
      std::lock_guard<std::mutex> lock(run.mu);
      run.last_capture_error.clear();
    }
    spdlog::info("captured committed offsets of {} consumer groups", c->groups.size());
    return true;
  };

  if (continuous) {
    auto next_refresh = Clock::now() + std::chrono::milliseconds(config_.backup.topic_refresh_interval_ms);
    auto next_capture = Clock::now();
    size_t rr = 0;
    while (!StopRequested() && !run.abort) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (auto st = catalog->CheckNotFenced(); !st) {
        run.AddError(st.error().message);
        break;
      }
      if (Clock::now() >= next_capture) {
        // A missed capture is tried again sooner than the next regular one.
        auto interval = std::chrono::milliseconds(config_.backup.offset_capture_interval_ms);
        if (!capture_offsets()) interval = std::min<std::chrono::milliseconds>(interval, kCaptureRetryInterval);
        next_capture = Clock::now() + interval;
      }
      if (Clock::now() < next_refresh) continue;
      next_refresh = Clock::now() + std::chrono::milliseconds(config_.backup.topic_refresh_interval_ms);
      // New topics that match the filter, and partitions added to known topics.
      auto now_topics = SelectTopics(*admin, *config_.source, config_.backup.include_internal_topics);
      if (!now_topics) {
        spdlog::warn("topic refresh failed (will retry): {}", now_topics.error().message);
        run.SetClusterError(now_topics.error().message);
        continue;
      }
      run.SetClusterError("");
      for (const auto& t : *now_topics) {
        auto desc = admin->DescribeTopic(t);
        if (!desc) continue;
        bool has_new = false;
        for (const auto& p : desc->partitions) has_new |= !known.count({t, p.id});
        if (!has_new) continue;
        auto planned = PlanTopic(*admin, config_, *catalog, t, true);
        if (!planned) {
          spdlog::warn("cannot plan topic {} (will retry): {}", t, planned.error().message);
          run.SetClusterError(planned.error().message);
          continue;
        }
        Status st = catalog->AddTopic(planned->topic);
        if (st && !member) st = StartFresh(*catalog, planned->fresh);
        if (!st) {
          run.AddError("cannot add topic " + t + " to the backup's catalog: " + st.error().message);
          break;
        }
        const auto& added = planned->jobs;
        backed_up.insert(t);
        std::lock_guard<std::mutex> lock(run.mu);
        for (auto& j : added) {
          if (known.count({j.topic, j.partition})) continue;
          known.insert({j.topic, j.partition});
          spdlog::info("following new partition topic={} partition={}", j.topic, j.partition);
          if (!member) run.inbox[rr++ % workers].push_back(j);
        }
        if (member) {
          // The group assigns the new partitions; new topics join the subscription.
          run.subscription.assign(backed_up.begin(), backed_up.end());
          run.subscription_version++;
        } else {
          run.partitions = known.size();
        }
      }
    }
  }
  for (auto& t : threads) t.join();
  spdlog::debug("readers done after {} ms", since_start());
  progress.Stop();
  metrics_server.reset();  // the workers are done; from here on `run` is read without its lock
  if (hooks_.reading_done) hooks_.reading_done();

  BackupSummary summary;
  summary.interrupted = StopRequested();
  if (!continuous && !summary.interrupted && run.errors.empty()) {
    // Safety net: a one-shot or snapshot run is complete only when every partition's checkpoint
    // reached the end offset it was planned to. Anything short of that is a failure, never a
    // silently shorter backup.
    for (const auto& j : jobs) {
      int64_t reached = catalog->NextOffset(j.topic, j.partition);
      if (j.end != kNoEnd && reached < j.end)
        run.errors.push_back("topic=" + j.topic + " partition=" + std::to_string(j.partition) + ": stopped at offset " +
                             std::to_string(reached) + " before its end offset " + std::to_string(j.end) +
                             "; re-run the backup to resume");
    }
  }
  if (run.errors.empty()) capture_offsets();
  spdlog::debug("offsets captured after {} ms", since_start());
  bool complete = run.errors.empty() && (!summary.interrupted || continuous);
  if (complete) {
    if (auto st = catalog->EndRun(); !st)
      run.errors.push_back("cannot mark the backup complete: " + st.error().message);
  }
  summary.backup_id = config_.backup_id;
  summary.mode = ModeName(config_.backup);
  summary.topics = static_cast<int>(backed_up.size());
  summary.partitions = static_cast<int>(known.size());
  summary.records = progress.records();
  summary.bytes = progress.bytes();
  summary.stored_bytes = progress.stored_bytes();
  summary.segments = run.segments;
  summary.gaps = run.gaps;
  summary.gap_records = run.gap_records;
  summary.seconds = progress.elapsed_seconds();
  summary.mb_per_second = progress.megabytes_per_second();
  summary.errors = run.errors;
  return summary;
}

}  // namespace kb
