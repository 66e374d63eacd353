#include "restore/restore_worker.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <set>
#include <span>

#include <spdlog/spdlog.h>

#include "catalog/documents.h"
#include "core/stop.h"
#include "core/time_util.h"
#include "kafka/producer.h"
#include "restore/murmur2.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCheckpointInterval = std::chrono::seconds(2);
// Progress writes, at most one per this interval (plus the last).
constexpr auto kPersistInterval = std::chrono::milliseconds(1000);
constexpr size_t kMaxUnconfirmed = 200000;  // checkpoint at least every this many records (bounds report memory)
// Records the producers may hold until the broker confirms them, all workers together, in bytes
// and in records (librdkafka's per-record overhead dwarfs small records). Each worker's producer
// gets an equal share, so memory stays bounded however many partitions are written at once.
constexpr uint64_t kProduceBufferBytes = 64ull << 20;
constexpr uint64_t kProduceBufferRecords = 200000;

std::atomic<uint64_t> g_checkpoint_records{kMaxUnconfirmed};  // tests may checkpoint more often

std::string Where(const std::string& topic, int32_t partition) { return RestoreWhere(topic, partition); }

// A confirmed record, as a checkpoint needs it.
struct Delivered {
  uint64_t tag;    // source offset
  int64_t offset;  // target offset; -1 when the broker did not report it
};

class Worker {
 public:
  explicit Worker(RestoreRun& run) : run_(run) {}

  void Main() {
    const auto& r = run_.config.restore;
    kafka::ProducerOptions po;
    po.acks = r.produce_acks == ProduceAcks::kAll ? "all" : "1";
    po.idempotent = po.acks == "all";  // librdkafka's idempotence needs acks=all
    po.batch_num_messages = r.produce_batch_size;
    uint64_t workers = std::max<size_t>(1, run_.workers);
    po.queue_max_kbytes = static_cast<int>(std::max<uint64_t>(kProduceBufferBytes / workers, 8ull << 20) >> 10);
    po.queue_max_messages = static_cast<int>(std::max<uint64_t>(kProduceBufferRecords / workers, 25000));
    auto producer = run_.kafka.CreateProducer(run_.kafka_config, po, [this](const kafka::DeliveryReport& d) {
      std::lock_guard<std::mutex> lock(reports_mu_);
      // A success is kept as (tag, offset) only: a checkpoint may wait for 200000 of them, and
      // whole reports (topic string and all) made restore memory grow with its speed.
      if (d.error) failed_.push_back(d);
      else delivered_.push_back({d.tag, d.offset});
    });
    while (RestoreJob* job = run_.TakeJob()) {
      if (!producer) {
        Finish(*job, "failed", "cannot create Kafka producer: " + producer.error().message);
        continue;
      }
      if (StopRequested()) {
        Finish(*job, "interrupted", "");
        continue;
      }
      RunJob(**producer, *job);
    }
  }

 private:
  void Finish(RestoreJob& job, const std::string& status, const std::string& error) {
    std::lock_guard<std::mutex> lock(run_.mu);
    job.state.status = status;
    job.state.error = error;
    if (status == "complete") job.state.done = true;
    if (!error.empty()) spdlog::error("{}", error);
    if (auto st = run_.PersistLocked(); !st)
      spdlog::warn("cannot store restore progress: {}", st.error().message);
  }

  // Moves the job's checkpoint over the records the broker has confirmed so far: the longest run
  // of produced records, in produce order, that are all confirmed. With `wait`, it first waits
  // for every produced record (the end of a job, or a stop); without, producing goes on while the
  // broker works, so a checkpoint never drains the pipeline. `next` is where the scan stands: the
  // checkpoint moves there once nothing produced is left unconfirmed.
  bool Checkpoint(kafka::Producer& producer, RestoreJob& job, int64_t next, bool wait, std::string* error) {
    Status flushed;
    if (wait) flushed = producer.Flush(std::chrono::minutes(6));  // beyond delivery.timeout.ms
    else producer.Poll(std::chrono::milliseconds(0));             // hands out the reports that are in
    if (broken_) {
      // An earlier checkpoint of this job failed: what it had in flight was dropped, so nothing
      // confirmed since may move the checkpoint (a resume finds it past target_end instead).
      Discard();
      if (error->empty()) *error = Where(job.sel.source_topic, job.sel.source_partition) + ": an earlier checkpoint failed";
      return false;
    }
    std::vector<kafka::DeliveryReport> failed;
    {
      std::lock_guard<std::mutex> lock(reports_mu_);
      confirmed_.insert(confirmed_.end(), delivered_.begin(), delivered_.end());
      delivered_.clear();
      failed.swap(failed_);
    }
    std::sort(failed.begin(), failed.end(), [](const auto& a, const auto& b) { return a.tag < b.tag; });
    std::string where = Where(job.sel.source_topic, job.sel.source_partition);
    if (!failed.empty()) {
      const auto& d = failed.front();
      *error = where + ": record at source offset " + std::to_string(d.tag) + " was not written to " +
               Where(d.topic, d.partition) + ": " + d.error->message;
    }
    if (error->empty() && !flushed) {
      *error = where + ": " + flushed.error().message;
      // Stopped before the broker confirmed everything: as after kill -9, a resumed restore finds
      // what was written past the checkpoint, so this is an interruption, not a failure.
      unconfirmed_at_stop_ = flushed.error().code == ErrorCode::kCancelled;
    }
    // The confirmed prefix of what was sent. One partition's confirmations come in order, but a
    // shared target's partitions confirm independently: what follows a record still in flight waits.
    auto by_tag = [](const Delivered& a, const Delivered& b) { return a.tag < b.tag; };
    if (!std::is_sorted(confirmed_.begin(), confirmed_.end(), by_tag)) std::sort(confirmed_.begin(), confirmed_.end(), by_tag);
    size_t taken = 0;
    while (taken < confirmed_.size() && taken < sent_.size() &&
           static_cast<int64_t>(confirmed_[taken].tag) == sent_[taken].offset)
      ++taken;
    if (error->empty() && wait && taken < sent_.size())
      *error = where + ": " + std::to_string(sent_.size() - taken) +
               " produced record(s) were neither confirmed nor failed by the producer";
    std::lock_guard<std::mutex> lock(run_.mu);
    auto& s = job.state;
    std::span<const Delivered> prefix(confirmed_.data(), taken);
    if (error->empty() && job.sel.exclusive) CheckOrder(job, prefix, error);
    if (!error->empty()) {
      // The checkpoint stays where it was. What was written since is found on resume as the
      // target's records past target_end, as after kill -9 (the producer is gapless: after a
      // record fails, none after it is written).
      broken_ = true;
      Discard();
      return false;
    }
    // Direct (already in target) records come first: they precede everything produced now.
    for (const auto& [src, tgt] : direct_) {
      s.mapping.Add(src, tgt);
      if (job.sel.exclusive) s.target_end = tgt + 1;
    }
    direct_.clear();
    uint64_t unplaced = 0;  // shared target: confirmed without an offset, so not in the mapping
    for (const auto& d : prefix) {
      // CheckOrder placed an exclusive partition's records; the partition's end confirms a
      // record the broker reported without an offset when the restore ends.
      int64_t at = job.sel.exclusive ? s.target_end : d.offset;
      if (job.sel.exclusive) s.target_end = at + 1;
      if (at >= 0) s.mapping.Add(static_cast<int64_t>(d.tag), at);
      else unplaced++;
    }
    if (unplaced > 0)
      spdlog::warn("{}: {} record(s) were confirmed without their target offset; they are not in the offset mapping",
                   Where(job.sel.source_topic, job.sel.source_partition), unplaced);
    for (size_t i = 0; i < taken; ++i) Count(sent_[i].offset, sent_[i].bytes);
    sent_.erase(sent_.begin(), sent_.begin() + static_cast<std::ptrdiff_t>(taken));
    confirmed_.erase(confirmed_.begin(), confirmed_.begin() + static_cast<std::ptrdiff_t>(taken));
    s.records += pending_records_;
    s.bytes += pending_bytes_;
    if (pending_first_ >= 0 && s.first_source_offset < 0) s.first_source_offset = pending_first_;
    if (pending_last_ >= 0) s.last_source_offset = pending_last_;
    pending_records_ = pending_bytes_ = sent_since_checkpoint_ = 0;
    pending_first_ = pending_last_ = -1;
    // The first record still in flight is where a resume must start; with none, the scan's place.
    s.next_source_offset = std::max(s.next_source_offset, sent_.empty() ? next : sent_.front().offset);
    if (auto st = run_.PersistLocked(); !st) spdlog::warn("cannot store restore progress: {}", st.error().message);
    return true;
  }

  // Drops what the checkpoints have not taken: records in flight, reports and counts.
  void Discard() {
    {
      std::lock_guard<std::mutex> lock(reports_mu_);
      delivered_.clear();
      failed_.clear();
    }
    direct_.clear();
    sent_.clear();
    confirmed_.clear();
    pending_records_ = pending_bytes_ = sent_since_checkpoint_ = 0;
    pending_first_ = pending_last_ = -1;
  }

  // An exclusive target partition receives this worker's records in the order they were produced,
  // right after target_end: each offset the broker confirmed must be the next one. One it did not
  // report (a retry it recognised as already written) takes its place in that order. A record out
  // of place means one the broker confirmed is missing, or another writer: the partition is
  // marked so that no resume builds on it. Caller holds run_.mu.
  void CheckOrder(RestoreJob& job, std::span<const Delivered> delivered, std::string* error) {
    auto& s = job.state;
    int64_t expected = s.target_end + static_cast<int64_t>(direct_.size());
    for (const auto& d : delivered) {
      if (d.offset >= 0 && d.offset != expected) {
        s.target_error = "the broker confirmed source offset " + std::to_string(d.tag) + " at offset " +
                         std::to_string(d.offset) + " where the restore's order puts offset " +
                         std::to_string(expected) + ": " + kTargetOutOfOrder;
        *error = Where(job.sel.target_topic, job.sel.target_partition) + ": " + s.target_error;
        return;
      }
      expected++;
    }
  }

  void Count(int64_t offset, uint64_t bytes) {
    pending_records_++;
    pending_bytes_ += bytes;
    if (pending_first_ < 0) pending_first_ = offset;
    pending_last_ = offset;
  }

  void RunJob(kafka::Producer& producer, RestoreJob& job) {
    const auto& sel = job.sel;
    int64_t next, target_end;
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      job.state.status = "running";
      next = job.state.next_source_offset;
      target_end = job.state.target_end;
    }
    int64_t tail_left = job.tail_extra;
    broken_ = false;
    std::string where = Where(sel.source_topic, sel.source_partition);
    // The producer must see the target partitions before producing: right after a topic was
    // created its metadata may still lag. This also saves librdkafka's topic scan (up to 1 s).
    if (prepared_.insert(sel.target_topic).second) {
      int32_t needed = sel.target_partition >= 0 ? sel.target_partition + 1 : sel.target_partition_count;
      if (auto st = producer.PrepareTopic(sel.target_topic, needed); !st) {
        prepared_.erase(sel.target_topic);
        if (StopRequested()) return Finish(job, "interrupted", "");
        return Finish(job, "failed", where + ": " + st.error().message);
      }
    }
    auto last_checkpoint = Clock::now();
    std::string error;
    bool interrupted = false;

    WindowScan scan(run_.store, sel.manifest->segments, run_.window, {.from_offset = next});
    while (error.empty() && !interrupted) {
      auto piece = scan.Next();
      if (!piece) {
        error = where + ": " + piece.error().message;
        break;
      }
      if (!*piece) {
        next = std::max(next, scan.position());
        break;
      }
      next = std::max(next, (*piece)->from);
      for (const auto& rec : (*piece)->records) {
        if (StopRequested()) {
          interrupted = true;
          break;
        }
        uint64_t bytes = rec.ApproxBytes();
        if (tail_left > 0) {
          // Written by the interrupted run after its last checkpoint: already in the target.
          direct_.emplace_back(rec.offset, target_end++);
          tail_left--;
          Count(rec.offset, bytes);
          run_.progress.AddRecords(1, bytes);
          next = rec.offset + 1;
          continue;
        }
        if (!run_.limiter.Acquire(1, bytes)) {
          interrupted = true;
          break;
        }
        int32_t tp = sel.target_partition;
        if (tp < 0)
          tp = rec.key ? KafkaPartitionForKey(*rec.key, sel.target_partition_count)
                       : sel.source_partition % std::max(1, sel.target_partition_count);
        std::vector<RecordHeader> extra;
        if (run_.add_headers) {
          extra.push_back({"x-original-offset", std::to_string(rec.offset)});
          extra.push_back({"x-original-partition", std::to_string(sel.source_partition)});
          extra.push_back({"x-original-timestamp", std::to_string(rec.timestamp)});
        }
        auto st = producer.Produce(sel.target_topic, tp, rec, static_cast<uint64_t>(rec.offset), extra);
        if (!st) {
          if (st.error().code == ErrorCode::kCancelled) interrupted = true;
          else error = where + ": cannot produce source offset " + std::to_string(rec.offset) + " to " +
                       Where(sel.target_topic, tp) + ": " + st.error().message;
          break;
        }
        sent_.push_back({rec.offset, bytes});
        run_.progress.AddRecords(1, bytes);
        sent_since_checkpoint_++;
        next = rec.offset + 1;
      }
      if (!error.empty() || interrupted) break;
      next = std::max(next, (*piece)->to);
      scan.Reuse(std::move((*piece)->records));
      if (Clock::now() - last_checkpoint >= kCheckpointInterval || sent_since_checkpoint_ >= g_checkpoint_records.load()) {
        if (!Checkpoint(producer, job, next, /*wait=*/false, &error)) break;
        last_checkpoint = Clock::now();
      }
    }
    // Confirm what is in flight, whatever happened: the checkpoint then says exactly what was written.
    std::string flush_error;
    bool ok = Checkpoint(producer, job, next, /*wait=*/true, &flush_error);
    if (error.empty() && !ok) error = flush_error;
    if (unconfirmed_at_stop_) {
      spdlog::warn("{} (run the restore again to resume: it keeps what the broker did write)", error);
      unconfirmed_at_stop_ = false;
      return Finish(job, "interrupted", "");
    }
    if (!error.empty()) return Finish(job, "failed", error);
    if (interrupted) return Finish(job, "interrupted", "");
    Finish(job, "complete", "");
  }

  RestoreRun& run_;
  std::mutex reports_mu_;
  std::vector<Delivered> delivered_;
  std::vector<kafka::DeliveryReport> failed_;
  // A record produced and not yet taken by a checkpoint, in produce order.
  struct Sent {
    int64_t offset;  // source offset
    uint64_t bytes;
  };
  std::deque<Sent> sent_;
  std::vector<Delivered> confirmed_;  // reports of sent_ records that a checkpoint has not taken yet
  std::vector<std::pair<int64_t, int64_t>> direct_;
  std::set<std::string> prepared_;  // target topics whose metadata this worker's producer has
  // Taken by the next checkpoint; records produced since the last one.
  uint64_t pending_records_ = 0, pending_bytes_ = 0, sent_since_checkpoint_ = 0;
  bool unconfirmed_at_stop_ = false;  // the last checkpoint ended with the stop grace
  bool broken_ = false;               // a checkpoint of the current job failed
  int64_t pending_first_ = -1, pending_last_ = -1;
};

}  // namespace

std::string RestoreWhere(const std::string& topic, int32_t partition) {
  return "topic=" + topic + " partition=" + std::to_string(partition);
}

format::RestorePartitionProgress ToProgress(const RestoreJob& j) {
  const auto& s = j.state;
  return {j.sel.source_topic, j.sel.source_partition, j.sel.target_topic, j.sel.target_partition,
          s.next_source_offset, s.target_end, s.records, s.bytes, s.first_source_offset, s.last_source_offset,
          s.done, s.mapping.ranges, s.target_error};
}

void FromProgress(const format::RestorePartitionProgress& p, RestoreJob& j) {
  auto& s = j.state;
  s.next_source_offset = p.next_source_offset;
  s.target_end = p.target_end_offset;
  s.records = p.records;
  s.bytes = p.bytes;
  s.first_source_offset = p.first_source_offset;
  s.last_source_offset = p.last_source_offset;
  s.done = p.done;
  s.status = s.done ? "complete" : "pending";
  s.mapping.ranges = p.ranges;
  s.target_error = p.target_error;
}

// Writes the progress object; caller holds mu. A write within kPersistInterval of the last one
// is left to the next (or to the final one after the workers): progress that lags only makes a
// resume find more records past the recorded target end, as after kill -9. Many small partitions
// then cost a few writes instead of two each.
Status RestoreRun::PersistLocked(bool now) {
  const auto t = Clock::now();
  if (!now && t - last_persist < kPersistInterval) {
    persist_pending = true;
    return {};
  }
  last_persist = t;
  persist_pending = false;
  format::RestoreProgress doc;
  doc.restore_id = restore_id;
  doc.backup_id = config.backup_id;
  doc.fingerprint = fingerprint;
  doc.created_at_ms = created_at_ms;
  doc.updated_at_ms = NowMs();
  for (const auto& j : jobs) doc.partitions.push_back(ToProgress(*j));
  return StoreRestoreProgress(store, doc);
}

void RunRestoreWorker(RestoreRun& run) { Worker(run).Main(); }

void SetRestoreCheckpointRecordsForTests(uint64_t records) {
  g_checkpoint_records.store(records > 0 ? records : kMaxUnconfirmed);
}

}  // namespace kb
