#include "restore/restore_worker.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "catalog/documents.h"
#include "core/parallel.h"
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
// Records the producer may hold until the broker confirms them, in bytes and in records
// (librdkafka's per-record overhead dwarfs small records), however many partitions are written.
constexpr int kProduceBufferKBytes = 64 << 10;
constexpr int kProduceBufferRecords = 200000;
// A delivery report's tag: the worker's index above kSeqBits, its sequence number below.
constexpr int kSeqBits = 48;
constexpr uint64_t kSeqMask = (uint64_t{1} << kSeqBits) - 1;

std::atomic<uint64_t> g_checkpoint_records{kMaxUnconfirmed};  // tests may checkpoint more often

std::string Where(const std::string& topic, int32_t partition) { return RestoreWhere(topic, partition); }

// A confirmed record, as a checkpoint needs it.
struct Delivered {
  uint64_t tag;    // the worker's sequence number of the record (see Worker::Sent)
  int64_t offset;  // target offset; -1 when the broker did not report it
};

// What the workers share: one producer, so that one request per broker carries every partition
// being written (eight producers cost the broker twice the work of one), and the target topics
// whose metadata it has.
struct SharedProducer {
  kafka::Producer* producer = nullptr;  // null: it could not be made (`error` says why)
  std::string error;
  std::mutex mu;
  std::set<std::string> prepared;  // guarded by mu
};

class Worker {
 public:
  Worker(RestoreRun& run, SharedProducer& shared, uint64_t index) : run_(run), shared_(shared), index_(index) {}

  // A delivery report of one of this worker's records; on whichever thread served it.
  void Report(const kafka::DeliveryReport& d) {
    {
      std::lock_guard<std::mutex> lock(reports_mu_);
      // A success is kept as (seq, offset) only: a checkpoint may wait for 200000 of them, and
      // whole reports (topic string and all) made restore memory grow with its speed.
      if (d.error) {
        failed_.push_back(d);
        failed_.back().tag &= kSeqMask;
      } else {
        delivered_.push_back({d.tag & kSeqMask, d.offset});
      }
    }
    reported_.fetch_add(1, std::memory_order_release);
  }

  void Main() {
    while (RestoreJob* job = run_.TakeJob()) {
      if (!shared_.producer) {
        Finish(*job, "failed", "cannot create Kafka producer: " + shared_.error);
        continue;
      }
      if (StopRequested()) {
        Finish(*job, "interrupted", "");
        continue;
      }
      RunJob(*shared_.producer, *job);
    }
    // Confirm what is in flight, whatever happened: the checkpoints then say exactly what was written.
    if (shared_.producer) Checkpoint(*shared_.producer, /*wait=*/true);
  }

 private:
  // A job whose records may still be in flight. A worker does not wait for a partition's records
  // before it takes the next partition: the producer's pipeline stays full across partitions, and
  // a job is finished by the checkpoint that finds all its records confirmed.
  struct Open {
    RestoreJob* job = nullptr;
    std::string where;
    std::vector<std::pair<int64_t, int64_t>> direct;  // resume: (source, target) already in the target
    int64_t next = 0;           // where the scan stands: every record produced is below it
    bool produced = false;      // the scan ended (or stopped): finished once nothing is in flight
    bool interrupted = false;   // stopped before the scan ended
    std::string error;          // set: the job fails, and its checkpoint moves no further
    uint64_t records = 0, bytes = 0;  // confirmed since the last checkpoint
    int64_t first = -1, last = -1;
    uint64_t in_flight = 0;     // records produced, not yet taken by a checkpoint
    int64_t first_in_flight = -1;  // the source offset of the first of them
  };

  // A record produced and not yet taken by a checkpoint, in produce order. Its delivery report
  // carries `seq` (in its tag): source offsets repeat across partitions.
  struct Sent {
    uint64_t seq;
    Open* job;
    int64_t offset;  // source offset
    uint64_t bytes;
  };

  void Finish(RestoreJob& job, const std::string& status, const std::string& error) {
    std::lock_guard<std::mutex> lock(run_.mu);
    FinishLocked(job, status, error);
  }

  void FinishLocked(RestoreJob& job, const std::string& status, const std::string& error) {
    job.state.status = status;
    job.state.error = error;
    if (status == "complete") job.state.done = true;
    if (!error.empty()) spdlog::error("{}", error);
    if (auto st = run_.PersistLocked(); !st)
      spdlog::warn("cannot store restore progress: {}", st.error().message);
  }

  static void FailJob(Open& o, const std::string& error) {
    if (o.error.empty()) o.error = error;
  }

  // Moves each open job's checkpoint over its records the broker has confirmed so far: the
  // longest run of produced records, in produce order, that are all confirmed. With `wait`, it
  // first waits for every produced record (the end, or a stop); without, producing goes on while
  // the broker works, so a checkpoint never drains the pipeline. Jobs whose scan has ended and
  // whose records are all confirmed are finished; with `wait`, every open job is.
  void Checkpoint(kafka::Producer& producer, bool wait) {
    Status flushed;
    if (wait)  // beyond delivery.timeout.ms
      flushed = producer.WaitFor([this] { return enqueued_ - reported_.load(std::memory_order_acquire); }, std::chrono::minutes(6));
    else
      producer.Poll(std::chrono::milliseconds(0));  // hands out the reports that are in
    std::vector<kafka::DeliveryReport> failed;
    {
      std::lock_guard<std::mutex> lock(reports_mu_);
      confirmed_.insert(confirmed_.end(), delivered_.begin(), delivered_.end());
      delivered_.clear();
      failed.swap(failed_);
    }
    auto by_seq = [](const Sent& a, uint64_t seq) { return a.seq < seq; };
    for (const auto& d : failed) {
      auto it = std::lower_bound(sent_.begin(), sent_.end(), d.tag, by_seq);
      if (it == sent_.end() || it->seq != d.tag) continue;  // its job already failed and was dropped
      FailJob(*it->job, it->job->where + ": record at source offset " + std::to_string(it->offset) +
                         " was not written to " + Where(d.topic, d.partition) + ": " + d.error->message);
      // Settled, so the records after it (other partitions' too) are not held up behind it; its
      // job has failed, so nothing of it is placed.
      confirmed_.push_back({d.tag, -1});
    }
    // One partition's confirmations come in order, but a shared target's partitions confirm
    // independently: what follows a record still in flight waits for it.
    auto by_tag = [](const Delivered& a, const Delivered& b) { return a.tag < b.tag; };
    if (!std::is_sorted(confirmed_.begin(), confirmed_.end(), by_tag)) std::sort(confirmed_.begin(), confirmed_.end(), by_tag);
    // Reports of records dropped after an earlier wait (a stop) can still come in: they are older
    // than anything in flight now.
    const uint64_t oldest = sent_.empty() ? next_seq_ : sent_.front().seq;
    confirmed_.erase(confirmed_.begin(), std::lower_bound(confirmed_.begin(), confirmed_.end(), Delivered{oldest, 0}, by_tag));
    size_t taken = 0;
    while (taken < confirmed_.size() && taken < sent_.size() && confirmed_[taken].tag == sent_[taken].seq) ++taken;

    std::lock_guard<std::mutex> lock(run_.mu);
    uint64_t unplaced = 0;  // shared target: confirmed without an offset, so not in the mapping
    for (auto& o : open_) ApplyDirect(*o);  // they precede everything produced
    for (size_t i = 0; i < taken; ++i) {
      Open& o = *sent_[i].job;
      // A partition's records are contiguous in sent_: the next one in flight, if any, follows.
      if (--o.in_flight > 0) o.first_in_flight = sent_[i + 1].offset;
      if (o.error.empty()) Place(o, sent_[i], confirmed_[i].offset, &unplaced);  // else its checkpoint stays
    }
    if (unplaced > 0)
      spdlog::warn("{} record(s) were confirmed without their target offset; they are not in the offset mapping",
                   unplaced);
    sent_.erase(sent_.begin(), sent_.begin() + static_cast<std::ptrdiff_t>(taken));
    confirmed_.erase(confirmed_.begin(), confirmed_.begin() + static_cast<std::ptrdiff_t>(taken));
    sent_since_checkpoint_ = 0;

    const bool stopped = !flushed && flushed.error().code == ErrorCode::kCancelled;
    for (auto& o : open_) {
      auto& s = o->job->state;
      if (o->error.empty()) {
        s.records += o->records;
        s.bytes += o->bytes;
        if (o->first >= 0 && s.first_source_offset < 0) s.first_source_offset = o->first;
        if (o->last >= 0) s.last_source_offset = o->last;
        // A resume starts at the first record still in flight; with none, where the scan stands.
        s.next_source_offset = std::max(s.next_source_offset, o->in_flight > 0 ? o->first_in_flight : o->next);
      }
      o->records = o->bytes = 0;
      o->first = o->last = -1;
      if (wait && o->in_flight > 0 && !stopped)
        FailJob(*o, o->where + ": " + (flushed ? std::string("records were neither confirmed nor failed by the producer")
                                               : flushed.error().message));
    }
    // Finished: produced and nothing in flight; after a wait, every job.
    for (auto it = open_.begin(); it != open_.end();) {
      Open& o = **it;
      const bool in_flight = o.in_flight > 0;
      if (!wait && (!o.produced || in_flight)) {
        ++it;
        continue;
      }
      if (in_flight && stopped) {
        // Stopped before the broker confirmed everything: as after kill -9, a resumed restore finds
        // what was written past the checkpoint, so this is an interruption, not a failure.
        spdlog::warn("{}: {} (run the restore again to resume: it keeps what the broker did write)", o.where,
                     flushed.error().message);
        FinishLocked(*o.job, "interrupted", "");
      } else if (!o.error.empty()) {
        FinishLocked(*o.job, "failed", o.error);
      } else {
        FinishLocked(*o.job, o.interrupted ? "interrupted" : "complete", "");
      }
      it = open_.erase(it);
    }
    if (wait) {
      sent_.clear();
      confirmed_.clear();
    }
    if (auto st = run_.PersistLocked(); !st) spdlog::warn("cannot store restore progress: {}", st.error().message);
  }

  // Records a resume found already in the target: they come first. Caller holds run_.mu.
  void ApplyDirect(Open& o) {
    if (!o.error.empty()) return;  // its checkpoint stays where the error found it
    auto& s = o.job->state;
    for (const auto& [src, tgt] : o.direct) {
      s.mapping.Add(src, tgt);
      if (o.job->sel.exclusive) s.target_end = tgt + 1;
    }
    o.direct.clear();
  }

  // A confirmed record. An exclusive target partition receives this worker's records in the order
  // they were produced, right after target_end: each offset the broker confirmed must be the next
  // one, and one it did not report (a retry it recognised as already written) takes its place in
  // that order. A record out of place means one the broker confirmed is missing, or another
  // writer: the partition is marked so that no resume builds on it. Caller holds run_.mu.
  void Place(Open& o, const Sent& e, int64_t offset, uint64_t* unplaced) {
    auto& s = o.job->state;
    if (o.job->sel.exclusive) {
      if (offset >= 0 && offset != s.target_end) {
        s.target_error = "the broker confirmed source offset " + std::to_string(e.offset) + " at offset " +
                         std::to_string(offset) + " where the restore's order puts offset " +
                         std::to_string(s.target_end) + ": " + kTargetOutOfOrder;
        FailJob(o, Where(o.job->sel.target_topic, o.job->sel.target_partition) + ": " + s.target_error);
        return;
      }
      offset = s.target_end++;
    }
    if (offset >= 0) s.mapping.Add(e.offset, offset);
    else ++*unplaced;
    Count(o, e.offset, e.bytes);
  }

  static void Count(Open& o, int64_t offset, uint64_t bytes) {
    o.records++;
    o.bytes += bytes;
    if (o.first < 0) o.first = offset;
    o.last = offset;
  }

  void RunJob(kafka::Producer& producer, RestoreJob& job) {
    const auto& sel = job.sel;
    int64_t target_end;
    auto open = std::make_unique<Open>();
    Open& o = *open;
    o.job = &job;
    o.where = Where(sel.source_topic, sel.source_partition);
    {
      std::lock_guard<std::mutex> lock(run_.mu);
      job.state.status = "running";
      o.next = job.state.next_source_offset;
      target_end = job.state.target_end;
    }
    int64_t tail_left = job.tail_extra;
    // The producer must see the target partitions before producing: right after a topic was
    // created its metadata may still lag. This also saves librdkafka's topic scan (up to 1 s).
    if (!Prepared(sel.target_topic)) {
      int32_t needed = sel.target_partition >= 0 ? sel.target_partition + 1 : sel.target_partition_count;
      if (auto st = producer.PrepareTopic(sel.target_topic, needed); !st) {
        if (StopRequested()) return Finish(job, "interrupted", "");
        return Finish(job, "failed", o.where + ": " + st.error().message);
      }
      std::lock_guard<std::mutex> lock(shared_.mu);
      shared_.prepared.insert(sel.target_topic);
    }
    open_.push_back(std::move(open));

    WindowScan scan(run_.store, sel.manifest->segments, run_.window, {.from_offset = o.next});
    while (o.error.empty() && !o.interrupted) {
      auto piece = scan.Next();
      if (!piece) {
        FailJob(o, o.where + ": " + piece.error().message);
        break;
      }
      if (!*piece) {
        o.next = std::max(o.next, scan.position());
        break;
      }
      o.next = std::max(o.next, (*piece)->from);
      for (const auto& rec : (*piece)->records) {
        if (StopRequested()) {
          o.interrupted = true;
          break;
        }
        uint64_t bytes = rec.ApproxBytes();
        if (tail_left > 0) {
          // Written by the interrupted run after its last checkpoint: already in the target.
          o.direct.emplace_back(rec.offset, target_end++);
          tail_left--;
          Count(o, rec.offset, bytes);
          run_.progress.AddRecords(1, bytes);
          o.next = rec.offset + 1;
          continue;
        }
        if (!run_.limiter.Acquire(1, bytes)) {
          o.interrupted = true;
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
        const uint64_t seq = next_seq_++;
        auto st = producer.Produce(sel.target_topic, tp, rec, index_ << kSeqBits | seq, extra);
        if (!st) {
          if (st.error().code == ErrorCode::kCancelled) o.interrupted = true;
          else FailJob(o, o.where + ": cannot produce source offset " + std::to_string(rec.offset) + " to " +
                           Where(sel.target_topic, tp) + ": " + st.error().message);
          break;
        }
        sent_.push_back({seq, &o, rec.offset, bytes});
        enqueued_++;
        if (o.in_flight++ == 0) o.first_in_flight = rec.offset;
        run_.progress.AddRecords(1, bytes);
        sent_since_checkpoint_++;
        o.next = rec.offset + 1;
      }
      if (!o.error.empty() || o.interrupted) break;
      o.next = std::max(o.next, (*piece)->to);
      scan.Reuse(std::move((*piece)->records));
      if (Clock::now() - last_checkpoint_ >= kCheckpointInterval || sent_since_checkpoint_ >= g_checkpoint_records.load()) {
        Checkpoint(producer, /*wait=*/false);
        last_checkpoint_ = Clock::now();
      }
    }
    o.produced = true;
    // A stop waits for what is in flight, so the checkpoint says exactly what was written; otherwise
    // the next partition goes on while this one's records are confirmed.
    Checkpoint(producer, /*wait=*/o.interrupted);
  }

  bool Prepared(const std::string& topic) {
    std::lock_guard<std::mutex> lock(shared_.mu);
    return shared_.prepared.count(topic) > 0;
  }

  RestoreRun& run_;
  SharedProducer& shared_;
  const uint64_t index_;
  std::mutex reports_mu_;
  std::vector<Delivered> delivered_;
  std::vector<kafka::DeliveryReport> failed_;
  std::deque<std::unique_ptr<Open>> open_;  // in the order they were taken
  std::deque<Sent> sent_;
  std::vector<Delivered> confirmed_;  // reports of sent_ records that a checkpoint has not taken yet
  uint64_t next_seq_ = 0;
  uint64_t enqueued_ = 0;                // records the producer took, ...
  std::atomic<uint64_t> reported_{0};    // ... and of those, the ones whose report came
  uint64_t sent_since_checkpoint_ = 0;
  Clock::time_point last_checkpoint_ = Clock::now();
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

void RunRestoreWorkers(RestoreRun& run) {
  const size_t n = std::max<size_t>(1, run.workers);
  SharedProducer shared;
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(run, shared, i));
  const auto& r = run.config.restore;
  kafka::ProducerOptions po;
  po.acks = r.produce_acks == ProduceAcks::kAll ? "all" : "1";
  po.idempotent = po.acks == "all";  // librdkafka's idempotence needs acks=all
  po.batch_num_messages = r.produce_batch_size;
  po.queue_max_kbytes = kProduceBufferKBytes;
  po.queue_max_messages = kProduceBufferRecords;
  // Made after the workers, so destroyed before them: its reports go to them until then.
  auto producer = run.kafka.CreateProducer(run.kafka_config, po, [&workers](const kafka::DeliveryReport& d) {
    workers[d.tag >> kSeqBits]->Report(d);
  });
  if (producer) shared.producer = producer->get();
  else shared.error = producer.error().message;
  ParallelFor(n, n, [&](size_t i) { workers[i]->Main(); });
}

void SetRestoreCheckpointRecordsForTests(uint64_t records) {
  g_checkpoint_records.store(records > 0 ? records : kMaxUnconfirmed);
}

}  // namespace kb
