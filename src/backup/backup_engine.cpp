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

#include "catalog/catalog_writer.h"
#include "catalog/lease.h"
#include "config/kafka_options.h"
#include "config/topic_filter.h"
#include "core/parallel.h"
#include "core/stop.h"
#include "core/time_util.h"
#include "format/object_keys.h"
#include "format/segment.h"
#include "kafka/admin_client.h"
#include "kafka/consumer.h"
#include "metrics/metrics_server.h"
#include "metrics/progress.h"
#include "offsets/group_offsets.h"
#include "retention/prune_loop.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kNoEnd = INT64_MAX;
// Buffered segment bytes all workers together may hold before the largest open segment is
// flushed early: memory stays bounded however many partitions are followed.
constexpr uint64_t kBufferBudgetBytes = 96ull << 20;
// Records librdkafka may prefetch, all workers together, in bytes and in records (small records
// cost it far more memory than their bytes). Each worker's consumer gets an equal share.
constexpr uint64_t kPrefetchBudgetBytes = 32ull << 20;
constexpr uint64_t kPrefetchBudgetRecords = 100000;
// Segment writes one worker keeps in flight.
constexpr size_t kUploadsInFlight = 4;
// Requests in flight at once while planning: watermarks and first catalog commits, per partition.
constexpr size_t kPlanThreads = 16;
// After a failed consumer-offset capture (continuous mode), the next try comes this soon.
constexpr std::chrono::seconds kCaptureRetryInterval{10};

struct PartitionJob {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;  // next offset to read
  int64_t end = kNoEnd;  // stop here (exclusive); kNoEnd in continuous mode
};

// Shared state of one run.
struct RunState {
  const Config& config;
  ObjectStore& store;
  CatalogWriter& catalog;
  Progress& progress;
  kafka::AdminClient& admin;
  kafka::KafkaClientConfig kafka_config;
  format::SegmentOptions segment_options;
  bool continuous = false;

  std::mutex mu;
  std::deque<PartitionJob> pending;         // one-shot: pulled by workers, up to `share` open each
  size_t share = 1;                         // one-shot: partitions a worker reads at once
  std::vector<std::deque<PartitionJob>> inbox;  // continuous: per worker
  std::vector<std::string> errors;
  std::atomic<uint64_t> segments{0}, gaps{0}, gap_records{0}, offset_captures{0}, partitions{0},
      offset_captures_missed{0};
  std::atomic<int64_t> last_segment_ms{0}, last_capture_ms{0};
  std::atomic<bool> abort{false};           // a fatal error: every worker flushes and stops
  std::string cluster_error;                // last topic refresh failure (continuous), under mu
  int64_t cluster_error_since_ms = 0;
  std::string last_capture_error;           // last offset capture failure, "" after a success; under mu

  void SetClusterError(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (cluster_error.empty() && !e.empty()) cluster_error_since_ms = NowMs();
    cluster_error = e;
  }

  void AddError(std::string e) {
    spdlog::error("{}", e);
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::move(e));
    abort = true;
  }
};

// One partition being read by a worker.
struct OpenPartition {
  PartitionJob job;
  int64_t position = 0;  // next offset not yet covered by the writer or stored segments
  int64_t sealed = 0;    // end of what is sealed (stored, being stored, or committed): where the
                         // next catalog entry starts
  std::unique_ptr<format::SegmentWriter> writer;
  Clock::time_point opened_at;  // when the writer got its first record
  // Set when a record could not be encoded or a segment or checkpoint not stored: nothing more of
  // this partition is stored or committed, so the checkpoint can never pass the missing records.
  bool failed = false;
};

class Worker {
 public:
  Worker(RunState& run, size_t index) : run_(run), index_(index) {}

  void Main() {
    auto consumer = kafka::PartitionConsumer::Create(run_.kafka_config, ConsumerOptions());
    if (!consumer) {
      run_.AddError("cannot create Kafka consumer: " + consumer.error().message);
      return;
    }
    consumer_ = std::move(*consumer);
    while (true) {
      bool stopping = StopRequested() || run_.abort;
      if (stopping) break;
      TakeWork();
      // A finished write is committed now, not at the next flush: an idle partition's last
      // segment must reach the catalog (and restores) promptly.
      CommitFinishedUploads();
      if (open_.empty()) {
        if (!run_.continuous) break;  // one-shot: no work left
        std::this_thread::sleep_for(std::chrono::milliseconds(run_.config.backup.poll_interval_ms));
        continue;
      }
      auto events = consumer_->Poll(std::chrono::milliseconds(run_.config.backup.poll_interval_ms));
      if (!events) {
        run_.AddError("consumer poll failed: " + events.error().message);
        break;
      }
      for (auto& ev : *events) Handle(ev);
      RollAgedAndOversized();
    }
    // Stopping (signal, abort) or done: store what is buffered so the checkpoint keeps up.
    for (auto it = open_.begin(); it != open_.end();) {
      Flush(it->second);
      it = open_.erase(it);
    }
    WaitForUploads(0);
  }

 private:
  kafka::ConsumerOptions ConsumerOptions() const {
    kafka::ConsumerOptions o;
    o.read_committed = run_.config.backup.isolation_level == "read_committed";
    uint64_t workers = std::max<size_t>(1, run_.inbox.size());
    o.queued_max_kbytes = static_cast<int>(std::max<uint64_t>(kPrefetchBudgetBytes / workers, 4ull << 20) >> 10);
    o.queued_min_messages = static_cast<int>(std::max<uint64_t>(kPrefetchBudgetRecords / workers, 10000));
    // Each Poll copies its records out of librdkafka: small batches keep those copies small.
    o.max_batch_bytes = 1 << 20;
    return o;
  }

  void TakeWork() {
    std::vector<PartitionJob> jobs;
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      if (run_.continuous) {
        auto& box = run_.inbox[index_];
        while (!box.empty()) jobs.push_back(box.front()), box.pop_front();
      } else {
        // One consumer reads its whole share at once, so one fetch per broker brings data for all
        // of them; a worker whose partitions are done takes more. Jobs with nothing to read are
        // skipped here: a worker that took only empty ones would stop with jobs still pending.
        while (!run_.pending.empty() && open_.size() + jobs.size() < run_.share) {
          if (run_.pending.front().start < run_.pending.front().end) jobs.push_back(run_.pending.front());
          run_.pending.pop_front();
        }
      }
    }
    for (auto& job : jobs) {
      if (job.start >= job.end) continue;  // nothing to read
      OpenPartition p;
      p.job = job;
      p.position = job.start;
      p.sealed = job.start;
      p.writer = std::make_unique<format::SegmentWriter>(run_.segment_options);
      auto st = consumer_->Assign({kafka::PartitionStart{job.topic, job.partition, job.start}});
      if (!st) {
        run_.AddError("topic=" + job.topic + " partition=" + std::to_string(job.partition) +
                      ": cannot assign: " + st.error().message);
        continue;
      }
      spdlog::debug("backup topic={} partition={} from offset {} to {}", job.topic, job.partition, job.start,
                    job.end == kNoEnd ? std::string("(following)") : std::to_string(job.end));
      open_.emplace(kafka::TopicPartition{job.topic, job.partition}, std::move(p));
    }
  }

  void Handle(kafka::ConsumerEvent& ev) {
    auto it = open_.find(kafka::TopicPartition{ev.topic, ev.partition});
    if (it == open_.end()) return;  // a late event for a partition already finished
    OpenPartition& p = it->second;
    if (p.failed) return;
    switch (ev.kind) {
      case kafka::ConsumerEvent::Kind::kRecord: {
        if (ev.record.offset < p.position) return;  // already covered (re-delivery after a seek)
        if (ev.record.offset >= p.job.end) return Finish(it);
        uint64_t bytes = ev.record.ApproxBytes();
        if (p.writer->empty()) p.opened_at = Clock::now();
        if (auto st = p.writer->Append(ev.record); !st)
          return FailPartition(p, "cannot encode record at offset " + std::to_string(ev.record.offset) + ": " +
                                      st.error().message);
        p.position = ev.record.offset + 1;
        run_.progress.AddRecords(1, bytes);
        const auto& b = run_.config.backup;
        if (p.writer->raw_bytes() >= b.segment_max_bytes ||
            (b.segment_max_records > 0 && p.writer->record_count() >= b.segment_max_records))
          Flush(p);
        if (p.position >= p.job.end) Finish(it);
        return;
      }
      case kafka::ConsumerEvent::Kind::kPartitionEof:
        // The end may lie past the last record (transaction markers, compaction): the
        // reported position covers them.
        p.position = std::max(p.position, ev.offset);
        if (p.position >= p.job.end) Finish(it);
        return;
      case kafka::ConsumerEvent::Kind::kOffsetOutOfRange:
        return RecordGap(p);
      case kafka::ConsumerEvent::Kind::kError:
        // librdkafka retries transient errors itself; fatal ones fail Poll.
        spdlog::warn("{}: {}", Where(p), ev.error ? ev.error->message : std::string("consumer error"));
        return;
    }
  }

  // Records deleted before we read them: store what is buffered, record the gap, go on from
  // the log start.
  void RecordGap(OpenPartition& p) {
    Flush(p);
    WaitForUploads(0);  // the gap's checkpoint must not pass a segment still being written
    if (p.failed) return;
    auto wm = run_.admin.Watermarks(p.job.topic, p.job.partition);
    if (!wm) return run_.AddError(Where(p) + ": offset out of range and watermarks unavailable: " + wm.error().message);
    int64_t resume = wm->low;
    if (resume <= p.position) {
      // The log start did not move past us: a transient condition; seek again.
      if (auto st = consumer_->Seek(p.job.topic, p.job.partition, p.position); !st)
        run_.AddError(Where(p) + ": " + st.error().message);
      return;
    }
    format::Gap gap;
    gap.from_offset = p.sealed;
    gap.to_offset = std::min(resume, p.job.end) - 1;
    gap.reason = "offset out of range: log start moved to " + std::to_string(resume) +
                 " before these records were read (retention or DeleteRecords)";
    gap.detected_at_ms = NowMs();
    spdlog::warn("{}: records {}..{} were deleted before they could be backed up; recorded as a gap", Where(p),
                 gap.from_offset, gap.to_offset);
    run_.gaps++;
    run_.gap_records += static_cast<uint64_t>(gap.to_offset - gap.from_offset + 1);
    p.position = std::min(resume, p.job.end);
    if (!CommitEntry(p.job, format::ChainEntry{p.sealed, p.position, std::nullopt, gap})) return;
    p.sealed = p.position;
    if (p.position < p.job.end) {
      if (auto s2 = consumer_->Seek(p.job.topic, p.job.partition, p.position); !s2)
        run_.AddError(Where(p) + ": " + s2.error().message);
    }
  }

  void RollAgedAndOversized() {
    auto now = Clock::now();
    auto max_age = std::chrono::milliseconds(run_.config.backup.segment_max_interval_ms);
    uint64_t buffered = 0;
    OpenPartition* largest = nullptr;
    for (auto& [tp, p] : open_) {
      if (!p.writer->empty() && now - p.opened_at >= max_age) Flush(p);
      buffered += p.writer->raw_bytes();
      if (!largest || p.writer->raw_bytes() > largest->writer->raw_bytes()) largest = &p;
    }
    buffered += InFlightBytes();  // held until written
    if (largest && !largest->writer->empty() && buffered > Budget()) Flush(*largest);
  }

  // This worker's share of the buffered-data budget: open segments and writes in flight.
  uint64_t Budget() const { return kBufferBudgetBytes / std::max<size_t>(1, run_.inbox.size()); }
  uint64_t InFlightBytes() const {
    uint64_t n = 0;
    for (const auto& up : uploads_) n += up.entry.segment->stored_bytes;
    return n;
  }

  // Seals the open segment and starts writing it to storage; its checkpoint is committed when the
  // write has completed, so reading goes on while storage works. Up to kUploadsInFlight writes
  // per worker run at once (object stores answer each in tens of ms); they are committed in the
  // order they were sealed, so a partition's chain stays in order and never runs ahead of durable
  // data.
  void Flush(OpenPartition& p) {
    if (p.failed) return;
    if (p.writer->empty()) {
      // Only markers or compacted-away offsets since the last segment: move the checkpoint.
      WaitForUploads(0);
      if (!p.failed && p.position > p.sealed &&
          CommitEntry(p.job, format::ChainEntry{p.sealed, p.position, std::nullopt, std::nullopt}))
        p.sealed = p.position;
      return;
    }
    format::SegmentSummary s;
    auto bytes = p.writer->Finish(&s);
    if (!bytes) return FailPartition(p, "cannot seal segment: " + bytes.error().message);
    // Room for this write: a free slot, and its bytes within the worker's buffer budget.
    while (!uploads_.empty() && (uploads_.size() >= kUploadsInFlight || InFlightBytes() + bytes->size() > Budget()))
      CommitOldestUpload();
    if (p.failed) return;  // an earlier segment of this partition was not stored
    Upload up;
    up.job = p.job;
    up.entry.from = p.sealed;
    up.entry.to = p.position;
    p.sealed = p.position;
    auto& ref = up.entry.segment.emplace();
    ref.key = run_.catalog.SegmentKey(p.job.topic, p.job.partition, s.first_offset, s.last_offset);
    ref.first_offset = s.first_offset;
    ref.last_offset = s.last_offset;
    ref.min_timestamp = s.min_timestamp;
    ref.max_timestamp = s.max_timestamp;
    ref.record_count = s.record_count;
    ref.raw_bytes = s.raw_bytes;
    ref.stored_bytes = s.stored_bytes;
    ref.crc32c = s.crc32c;
    ref.codec = format::CodecName(run_.segment_options.codec);
    up.done = std::async(std::launch::async, [&store = run_.store, key = ref.key, data = std::move(*bytes)] {
      return store.Put(key, data);
    });
    uploads_.push_back(std::move(up));
  }

  // Commits the oldest writes until at most `keep` are in flight: stored -> its entry goes into
  // the catalog; failed -> its partition stops (the records stay unreferenced and the catalog's
  // chain ends before them, so a re-run reads them again).
  void WaitForUploads(size_t keep) {
    while (uploads_.size() > keep) CommitOldestUpload();
  }

  // Commits the writes that have completed, oldest first, without waiting.
  void CommitFinishedUploads() {
    while (!uploads_.empty() && uploads_.front().done.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
      CommitOldestUpload();
  }

  void CommitOldestUpload() {
    Upload up = std::move(uploads_.front());
    uploads_.pop_front();
    const format::SegmentRef& ref = *up.entry.segment;
    Status stored = up.done.get();
    if (failed_.count({up.job.topic, up.job.partition})) return;  // an earlier write of it failed
    if (!stored) return FailJob(up.job, "cannot store segment " + ref.key + ": " + stored.error().message);
    run_.progress.AddStoredBytes(ref.stored_bytes);
    run_.segments++;
    run_.last_segment_ms = NowMs();
    CommitEntry(up.job, up.entry);
  }

  // Appends `entry` to the partition's chain in the catalog; a commit that cannot be stored stops
  // the partition.
  bool CommitEntry(const PartitionJob& job, const format::ChainEntry& entry) {
    if (auto st = run_.catalog.Commit(job.topic, job.partition, entry); !st) {
      FailJob(job, "cannot commit to the backup's catalog: " + st.error().message);
      return false;
    }
    return true;
  }

  void FailPartition(OpenPartition& p, const std::string& why) { FailJob(p.job, why); }

  // Stops the job's partition (if it is still open: a finished one has nothing left to commit)
  // and fails the run.
  void FailJob(const PartitionJob& job, const std::string& why) {
    failed_.insert({job.topic, job.partition});
    auto it = open_.find(kafka::TopicPartition{job.topic, job.partition});
    if (it != open_.end()) it->second.failed = true;
    run_.AddError(Where(job) + ": " + why);
  }

  void Finish(std::map<kafka::TopicPartition, OpenPartition>::iterator it) {
    Flush(it->second);
    if (auto st = consumer_->Unassign({kafka::TopicPartition{it->second.job.topic, it->second.job.partition}}); !st)
      spdlog::warn("{}: unassign failed: {}", Where(it->second), st.error().message);
    open_.erase(it);
  }

  static std::string Where(const PartitionJob& job) {
    return "topic=" + job.topic + " partition=" + std::to_string(job.partition);
  }
  static std::string Where(const OpenPartition& p) { return Where(p.job); }

  // A sealed segment being written to storage, and what to commit once it is there.
  struct Upload {
    PartitionJob job;
    format::ChainEntry entry;  // entry.segment->stored_bytes: the bytes held until the write completes
    std::future<Status> done;
  };

  RunState& run_;
  size_t index_;
  std::unique_ptr<kafka::PartitionConsumer> consumer_;
  std::map<kafka::TopicPartition, OpenPartition> open_;
  std::deque<Upload> uploads_;  // in the order they were sealed
  std::set<kafka::TopicPartition> failed_;  // partitions with a failed write: nothing more is committed
};

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
  // One request per partition: asked together, a topic of many small partitions starts at once.
  std::vector<Result<kafka::WatermarkOffsets>> marks(static_cast<size_t>(desc.partition_count),
                                                     kafka::WatermarkOffsets{});
  ParallelFor(marks.size(), kPlanThreads, [&](size_t p) { marks[p] = admin.Watermarks(topic, static_cast<int32_t>(p)); });
  for (int32_t p = 0; p < desc.partition_count; ++p) {
    KB_ASSIGN_OR_RETURN(auto wm, std::move(marks[static_cast<size_t>(p)]));
    out.topic.end_offsets_at_start.push_back(wm.high);
    PartitionJob job{topic, p, 0, continuous ? kNoEnd : wm.high};
    if (int64_t resume = catalog.NextOffset(topic, p); resume >= 0) {
      job.start = resume;
    } else {
      const std::string& so = config.backup.start_offset;
      if (so == "earliest") job.start = wm.low;
      else if (so == "latest") job.start = wm.high;
      else job.start = std::max<int64_t>(std::stoll(so), wm.low);
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

Result<std::vector<std::string>> SelectTopics(kafka::AdminClient& admin, const Config& config) {
  TopicSelection sel = config.source->topics;
  KB_ASSIGN_OR_RETURN(auto filter, TopicFilter::Create(sel));
  KB_ASSIGN_OR_RETURN(auto topics, admin.ListTopics(config.backup.include_internal_topics));
  std::vector<std::string> out;
  for (const auto& t : topics)
    if (filter.Matches(t)) out.push_back(t);
  return out;
}

}  // namespace

BackupEngine::BackupEngine(const Config& config, ObjectStore& store) : config_(config), store_(store) {}

Result<BackupSummary> BackupEngine::Run() {
  if (config_.backup_id.empty()) return Fail(ErrorCode::kInvalidArgument, config_.file + ": backup_id is required");
  if (!config_.source || config_.source->bootstrap_servers.empty())
    return Fail(ErrorCode::kInvalidArgument, config_.file + ": source.bootstrap_servers is required for a backup");
  KB_ASSIGN_OR_RETURN(auto codec, format::ParseCodec(config_.backup.compression));
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
  KB_ASSIGN_OR_RETURN(auto admin, kafka::AdminClient::Create(kafka_config));
  KB_ASSIGN_OR_RETURN(auto meta, admin->Metadata());

  KB_ASSIGN_OR_RETURN(auto filter, TopicFilter::Create(config_.source->topics));
  for (const auto& literal : filter.LiteralIncludes()) {
    if (!meta.topics.count(literal))
      return Fail(ErrorCode::kNotFound, "topic '" + literal + "' named in source.topics.include does not exist on " +
                                            admin->bootstrap() + ": check the name, or create the topic first");
  }
  KB_ASSIGN_OR_RETURN(auto topics, SelectTopics(*admin, config_));
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
  KB_TRY(catalog->BeginRun({mode, config_.backup.compression, cluster_id, admin->bootstrap()}, run_topics));
  KB_TRY(StartFresh(*catalog, fresh));
  spdlog::debug("start-up: catalog run begun after {} ms", since_start());
  const int64_t keep_within = config_.backup.retention_keep_within_ms;
  std::unique_ptr<PruneLoop> pruner;
  if (continuous && keep_within > 0)
    pruner = std::make_unique<PruneLoop>(store_, config_.backup_id, keep_within, config_.backup.retention_interval_ms);

  Progress progress("backup");
  uint64_t expected = 0;
  for (const auto& j : jobs)
    if (j.end != kNoEnd && j.end > j.start) expected += static_cast<uint64_t>(j.end - j.start);
  progress.SetExpectedRecords(expected);
  progress.StartLiveLine();

  RunState run{config_, store_, *catalog, progress, *admin, kafka_config, {}, continuous};
  run.segment_options.codec = codec;
  run.segment_options.level = config_.backup.compression_level;
  run.segment_options.block_bytes = config_.backup.block_bytes;
  run.segment_options.expected_bytes = config_.backup.segment_max_bytes;
  size_t workers = std::max<size_t>(1, std::min<size_t>(config_.backup.max_concurrent_partitions,
                                                        continuous ? std::max<size_t>(jobs.size(), 1) : jobs.size()));
  run.inbox.resize(workers);
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (continuous) run.inbox[i % workers].push_back(jobs[i]);
    else run.pending.push_back(jobs[i]);
  }
  run.share = std::max<size_t>(1, (jobs.size() + workers - 1) / workers);
  std::set<kafka::TopicPartition> known;
  for (const auto& j : jobs) known.insert({j.topic, j.partition});
  run.partitions = known.size();

  // Listening fails before anything is read: a backup whose monitoring is broken does not start.
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (config_.metrics.enabled) {
    KB_ASSIGN_OR_RETURN(metrics_server, metrics::MetricsServer::Start(config_.metrics, [&run, &progress, &admin, &pruner, this, mode] {
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
      if (pruner) {
        st.prune_passes = pruner->passes();
        st.prune_failures = pruner->failures();
        st.pruned_objects = pruner->objects_removed();
        st.pruned_bytes = pruner->bytes_removed();
      }
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
      st.storage = store_.outage().State();
      return st;
    }));
    spdlog::info("serving /metrics and /health on {}:{}", config_.metrics.bind_address, metrics_server->port());
  }

  spdlog::info("backup '{}' ({}): {} topics, {} partitions, {} records to read", config_.backup_id, mode,
               topics.size(), jobs.size(), continuous ? std::string("following") : std::to_string(expected));
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Worker>> worker_objs;
  for (size_t i = 0; i < workers; ++i) {
    worker_objs.push_back(std::make_unique<Worker>(run, i));
    threads.emplace_back([w = worker_objs.back().get()] { w->Main(); });
  }

  std::set<std::string> backed_up(topics.begin(), topics.end());
  // Returns whether the capture was stored. A continuous backup outlives a failed capture (a side
  // task must not end it): the miss is counted, shown on /health and /metrics, and tried again.
  auto capture_offsets = [&]() {
    if (!config_.backup.capture_consumer_offsets) return true;
    auto c = offsets::CaptureGroupOffsets(*admin, config_.backup.consumer_groups, backed_up);
    Status stored = c ? offsets::StoreCapture(store_, config_.backup_id, *c) : Status(tl::unexpected(c.error()));
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
      auto now_topics = SelectTopics(*admin, config_);
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
        if (st) st = StartFresh(*catalog, planned->fresh);
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
          run.inbox[rr++ % workers].push_back(j);
        }
        run.partitions = known.size();
      }
    }
  }
  for (auto& t : threads) t.join();
  spdlog::debug("readers done after {} ms", since_start());
  progress.Stop();
  metrics_server.reset();  // the workers are done; from here on `run` is read without its lock
  pruner.reset();

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
  // A one-shot backup with retention prunes once its data is stored; a failed prune is a warning.
  if (complete && !continuous && keep_within > 0) PruneAndLog(store_, config_.backup_id, keep_within);
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
