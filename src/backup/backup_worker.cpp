#include "backup/backup_worker.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "core/parallel.h"
#include "core/stop.h"
#include "kafka/consumer.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;
// Buffered segment bytes all workers together may hold before the largest open segment is
// flushed early: memory stays bounded however many partitions are followed.
constexpr uint64_t kBufferBudgetBytes = 96ull << 20;
// Records librdkafka may prefetch, all workers together, in bytes and in records (small records
// cost it far more memory than their bytes). Each worker's consumer gets an equal share.
constexpr uint64_t kPrefetchBudgetBytes = 32ull << 20;
constexpr uint64_t kPrefetchBudgetRecords = 100000;
// Segment writes one worker keeps in flight.
constexpr size_t kUploadsInFlight = 4;

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

class Worker : public kafka::RebalanceListener {
 public:
  Worker(RunState& run, size_t index) : run_(run), index_(index) {}

  void Main() {
    auto consumer = run_.kafka.CreateConsumer(run_.kafka_config, ConsumerOptions());
    if (!consumer) {
      run_.AddError("cannot create Kafka consumer: " + consumer.error().message);
      return;
    }
    consumer_ = std::move(*consumer);
    while (true) {
      bool stopping = StopRequested() || run_.abort;
      if (stopping) break;
      if (member()) FollowSubscription();
      else TakeWork();
      // A finished write is committed now, not at the next flush: an idle partition's last
      // segment must reach the catalog (and restores) promptly.
      CommitFinishedUploads();
      CommitGroupOffsets();
      if (open_.empty() && !member()) {
        if (!run_.continuous) break;  // one-shot: no work left
        std::this_thread::sleep_for(std::chrono::milliseconds(run_.config.backup.poll_interval_ms));
        continue;
      }
      auto events = consumer_->Poll(std::chrono::milliseconds(run_.config.backup.poll_interval_ms));
      if (!events) {
        run_.AddError("consumer poll failed: " + events.error().message);
        break;
      }
      uint64_t records = 0, bytes = 0;
      for (auto& ev : *events) {
        if (ev.kind == kafka::ConsumerEvent::Kind::kRecord) records++, bytes += ev.record.ApproxBytes();
        Handle(ev);
      }
      RollAgedAndOversized();
      // Reading pauses while the byte budget is spent; librdkafka's prefetch fills up and stops.
      if (run_.limiter && records > 0 && !run_.limiter->Acquire(records, bytes)) break;
    }
    // Stopping (signal, abort) or done: store what is buffered so the checkpoint keeps up.
    for (auto& [tp, p] : open_) Flush(p);
    WaitForUploads(0);
    CommitGroupOffsets();
    // A member leaves its group now, with nothing left open: the others take its partitions over
    // at once instead of after the session timeout.
    consumer_->Close();
    open_.clear();
  }

  // Group mode: the group gave this member partitions. A new catalog run (a higher epoch) is
  // begun first, so that once this member commits, a previous owner that has not noticed its
  // loss (a zombie) can no longer be heard by any reader. Each partition resumes where the
  // catalog's chain ends, as the previous owner left it.
  std::vector<kafka::PartitionStart> OnAssigned(const std::vector<kafka::TopicPartition>& parts) override {
    std::vector<kafka::PartitionStart> starts;
    if (parts.empty() || run_.abort) return starts;
    CatalogWriter::RunOptions options = run_.run_options;
    options.member_id = consumer_->MemberId();
    for (const auto& tp : parts) {
      if (auto st = run_.ensure_topic(tp.topic, tp.partition); !st) {
        run_.AddError("cannot add topic " + tp.topic + " to the backup's catalog: " + st.error().message);
        return starts;
      }
    }
    if (auto st = run_.catalog.BeginRun(options, {}); !st) {
      run_.AddError("cannot begin a catalog run for the partitions the group assigned: " + st.error().message);
      return starts;
    }
    std::vector<Result<int64_t>> resume(parts.size(), int64_t{0});
    ParallelFor(parts.size(), kPlanThreads, [&](size_t i) { resume[i] = Resume(parts[i]); });
    for (size_t i = 0; i < parts.size(); ++i) {
      PartitionJob job{parts[i].topic, parts[i].partition, 0, kNoEnd};
      if (!resume[i]) {
        run_.AddError(Where(job) + ": cannot take the partition over: " + resume[i].error().message);
        continue;
      }
      job.start = *resume[i];
      spdlog::info("group {} assigned topic={} partition={}: backing up from offset {}", run_.group_id, job.topic,
                   job.partition, job.start);
      failed_.erase(parts[i]);
      open_[parts[i]] = NewOpenPartition(job);
      starts.push_back({job.topic, job.partition, job.start});
    }
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      run_.assigned.insert(parts.begin(), parts.end());
      run_.partitions = run_.assigned.size();
      run_.member_id = options.member_id;
    }
    PublishAssignment();
    return starts;
  }

  // Group mode: these partitions move to another member. What is buffered is stored and
  // committed first (within the group's rebalance timeout), so the next owner resumes exactly
  // where this one stopped. A lost partition (this member's session expired) is dropped: its
  // new owner may already be reading it, and reads again whatever was not committed here.
  void OnRevoked(const std::vector<kafka::TopicPartition>& parts, bool lost) override {
    for (const auto& tp : parts) {
      auto it = open_.find(tp);
      if (it == open_.end()) continue;
      if (lost) it->second.writer.reset(new format::SegmentWriter(run_.segment_options));
      else Flush(it->second);
    }
    WaitForUploads(0);
    if (!lost) CommitGroupOffsets();
    group_positions_.clear();
    for (const auto& tp : parts) {
      open_.erase(tp);
      spdlog::info("group {} {} topic={} partition={}", run_.group_id, lost ? "lost" : "revoked", tp.topic,
                   tp.partition);
    }
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      for (const auto& tp : parts) run_.assigned.erase(tp);
      run_.partitions = run_.assigned.size();
    }
    PublishAssignment();
  }

 private:
  bool member() const { return !run_.group_id.empty(); }

  // Group mode: the lease tells `status` which partitions this member owns.
  void PublishAssignment() {
    if (!run_.lease) return;
    std::vector<std::string> owned;
    std::string member_id;
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      for (const auto& tp : run_.assigned) owned.push_back(tp.topic + "/" + std::to_string(tp.partition));
      member_id = run_.member_id;
    }
    run_.lease->SetMembership(run_.group_id, member_id, std::move(owned));
  }

  // Group mode: (re)subscribes when the engine's topic refresh changed the list.
  void FollowSubscription() {
    std::vector<std::string> topics;
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      if (run_.subscription_version == subscribed_version_) return;
      subscribed_version_ = run_.subscription_version;
      topics = run_.subscription;
    }
    if (topics.empty()) return;
    if (auto st = consumer_->Subscribe(topics); !st) run_.AddError(st.error().message);
  }

  // Group mode: where an assigned partition resumes. The catalog's head is read again: another
  // member may have committed to it since this process last owned it.
  Result<int64_t> Resume(const kafka::TopicPartition& tp) {
    KB_ASSIGN_OR_RETURN(int64_t at, run_.catalog.Adopt(tp.topic, tp.partition));
    if (at >= 0) return at;
    KB_ASSIGN_OR_RETURN(auto wm, run_.admin.Watermarks(tp.topic, tp.partition));
    at = FreshStart(run_.config.backup.start_offset, wm);
    KB_TRY(run_.catalog.StartPartition(tp.topic, tp.partition, at));
    return at;
  }

  // Group mode: sends the positions committed to the catalog since the last call to the group.
  void CommitGroupOffsets() {
    if (!member() || group_positions_.empty()) return;
    std::vector<kafka::PartitionStart> positions;
    for (const auto& [tp, at] : group_positions_) positions.push_back({tp.topic, tp.partition, at});
    group_positions_.clear();
    if (auto st = consumer_->CommitOffsets(positions); !st)
      spdlog::warn("cannot commit the backup's position to group {} (the catalog holds it; retried with the "
                   "next commit): {}", run_.group_id, st.error().message);
  }

  OpenPartition NewOpenPartition(const PartitionJob& job) const {
    OpenPartition p;
    p.job = job;
    p.position = job.start;
    p.sealed = job.start;
    p.writer = std::make_unique<format::SegmentWriter>(run_.segment_options);
    return p;
  }
  kafka::ConsumerOptions ConsumerOptions() const {
    kafka::ConsumerOptions o;
    o.read_committed = run_.config.backup.read_committed;
    uint64_t workers = std::max<size_t>(1, run_.inbox.size());
    o.queued_max_kbytes = static_cast<int>(std::max<uint64_t>(kPrefetchBudgetBytes / workers, 4ull << 20) >> 10);
    o.queued_min_messages = static_cast<int>(std::max<uint64_t>(kPrefetchBudgetRecords / workers, 10000));
    // A fetch response stays in memory while any of its records is queued: its size counts
    // against the same share (8 workers of 64 partitions held 8 MiB responses each).
    o.fetch_max_bytes = static_cast<int>(std::clamp<uint64_t>(kPrefetchBudgetBytes / workers, 1 << 20, 8 << 20));
    // Each Poll copies its records out of librdkafka: small batches keep those copies small.
    o.max_batch_bytes = 1 << 20;
    // Under a rate limit, batches of a tenth of a second's budget keep the pace even.
    if (int64_t rate = run_.config.backup.rate_limit_bytes_per_sec; rate > 0)
      o.max_batch_bytes = static_cast<size_t>(std::clamp<int64_t>(rate / 10, 16 << 10, 1 << 20));
    if (member()) {
      o.group_id = run_.group_id;
      o.listener = const_cast<Worker*>(this);
    }
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
      OpenPartition p = NewOpenPartition(job);
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
    up.done = InBackground([&store = run_.store, key = ref.key, data = std::move(*bytes)] {
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
    if (member()) group_positions_[{job.topic, job.partition}] = entry.to;
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
    Background<Status> done;
  };

  RunState& run_;
  size_t index_;
  std::unique_ptr<kafka::PartitionConsumer> consumer_;
  std::map<kafka::TopicPartition, OpenPartition> open_;
  std::deque<Upload> uploads_;  // in the order they were sealed
  std::set<kafka::TopicPartition> failed_;  // partitions with a failed write: nothing more is committed
  std::map<kafka::TopicPartition, int64_t> group_positions_;  // group mode: committed, not yet sent
  uint64_t subscribed_version_ = 0;
};

}  // namespace

int64_t FreshStart(const StartOffset& start, const kafka::WatermarkOffsets& wm) {
  switch (start.kind) {
    case StartOffset::Kind::kEarliest: return wm.low;
    case StartOffset::Kind::kLatest: return wm.high;
    case StartOffset::Kind::kOffset: break;
  }
  return std::max<int64_t>(start.offset, wm.low);
}

void RunWorker(RunState& run, size_t index) { Worker(run, index).Main(); }

}  // namespace kb
