#include "kafka/consumer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>

#include <spdlog/spdlog.h>

#include "kafka/list_offsets.h"
#include "kafka/rdkafka_handles.h"

namespace kb::kafka {

namespace {

// Copies a fetched message into a Record. Null (no pointer) stays null; a zero-length value
// with a pointer is the empty string.
Record ToRecord(rd_kafka_message_t* m) {
  Record r;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp = rd_kafka_message_timestamp(m, &type);
  r.timestamp_type = static_cast<TimestampType>(type);
  if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      RecordHeader h;
      h.key = name;
      if (value) h.value.emplace(static_cast<const char*>(value), size);
      r.headers.push_back(std::move(h));
    }
  }
  return r;
}

std::string PrivateGroupId() {
  static std::atomic<int> counter{0};
  return "kafka-backup-reader-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

class RdKafkaConsumer final : public PartitionConsumer {
 public:
  struct Impl;
  explicit RdKafkaConsumer(std::unique_ptr<Impl> impl);
  ~RdKafkaConsumer() override;

  Status Assign(const std::vector<PartitionStart>& partitions) override;
  Status Unassign(const std::vector<TopicPartition>& partitions) override;
  Status Seek(const std::string& topic, int32_t partition, int64_t offset) override;
  Status Subscribe(const std::vector<std::string>& topics) override;
  Status CommitOffsets(const std::vector<PartitionStart>& positions) override;
  std::string MemberId() const override;
  void Close() override;
  std::vector<TopicPartition> Assignment() const override;
  Result<std::vector<ConsumerEvent>> Poll(std::chrono::milliseconds timeout) override;
  Result<WatermarkOffsets> QueryWatermarks(const std::string& topic, int32_t partition,
                                           std::chrono::milliseconds timeout) override;

 private:
  std::unique_ptr<Impl> impl_;
};

struct RdKafkaConsumer::Impl {
  ConsumerOptions options;
  std::string bootstrap;
  std::set<TopicPartition> assigned;
  RdKafkaPtr rk;
  QueuePtr queue;                 // the consumer queue (for its length)
  bool fetcher_parked = false;    // the queue came near a prefetch limit since the last wakeup
  uint64_t seen_records = 0, seen_bytes = 0;  // for the average record size
  TopicPartition last_read;       // partition of the latest record
  bool closed = false;

  // Whether a queue of `records` records and `bytes` bytes is near a limit at which librdkafka
  // stops fetching. Half a limit counts: Poll sees the queue only after the app took part of it.
  bool NearPrefetchLimit(uint64_t records, uint64_t bytes) const {
    return records * 2 >= static_cast<uint64_t>(options.queued_min_messages) ||
           bytes * 2 >= static_cast<uint64_t>(options.queued_max_kbytes) * 1024;
  }

  // librdkafka 2.0 stops fetching a partition whose queue is over queued.min.messages or
  // queued.max.messages.kbytes and looks again only when its broker thread next wakes up, up to a
  // second later: reading stalls for most of each second. Any request to the partition's leader
  // wakes that thread; a watermark query is a cheap one with no side effects (its answer is unused).
  // The request is sent without waiting for its answer, so a leader that is down cannot stall Poll.
  void WakeFetcher() {
    fetcher_parked = false;
    if (last_read.topic.empty() || !assigned.count(last_read)) return;
    NudgePartitionLeader(rk.get(), last_read.topic, last_read.partition);
  }

  // librdkafka's rebalance callback (group members only): the listener settles each change first,
  // then the assignment follows it.
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* list,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    std::vector<TopicPartition> parts;
    for (int i = 0; i < list->cnt; ++i) parts.push_back({list->elems[i].topic, list->elems[i].partition});
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      std::vector<PartitionStart> starts = self->options.listener->OnAssigned(parts);
      std::set<TopicPartition> started;
      for (const auto& s : starts) started.insert({s.topic, s.partition});
      for (const auto& tp : parts)  // the protocol wants every partition taken
        if (!started.count(tp)) starts.push_back({tp.topic, tp.partition, RD_KAFKA_OFFSET_STORED});
      if (auto st = self->IncrementalAssign(starts); !st) {
        spdlog::error("{}", st.error().message);
        return;
      }
      self->assigned.insert(parts.begin(), parts.end());
    } else {
      self->options.listener->OnRevoked(parts, err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk));
      if (auto st = self->IncrementalUnassign(parts); !st) spdlog::error("{}", st.error().message);
      for (const auto& tp : parts) self->assigned.erase(tp);
    }
  }

  Status IncrementalAssign(const std::vector<PartitionStart>& parts) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
    for (const auto& p : parts)
      rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
    RdErrorPtr err(rd_kafka_incremental_assign(rk.get(), list.get()));
    if (err)
      return Fail(KafkaError(rd_kafka_error_code(err.get()), "assigning partitions to the backup consumer",
                             rd_kafka_error_string(err.get())));
    return {};
  }

  Status IncrementalUnassign(const std::vector<TopicPartition>& parts) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
    for (const auto& p : parts) rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition);
    RdErrorPtr err(rd_kafka_incremental_unassign(rk.get(), list.get()));
    if (err)
      return Fail(KafkaError(rd_kafka_error_code(err.get()), "unassigning partitions from the backup consumer",
                             rd_kafka_error_string(err.get())));
    return {};
  }

  // One fetched message or consumer error as an event.
  ConsumerEvent ToEvent(rd_kafka_message_t* m) {
    ConsumerEvent ev;
    if (m->rkt) {
      ev.topic = rd_kafka_topic_name(m->rkt);
      ev.partition = m->partition;
    }
    switch (m->err) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
        ev.kind = ConsumerEvent::Kind::kRecord;
        ev.record = ToRecord(m);
        ev.offset = m->offset;
        break;
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
        ev.kind = ConsumerEvent::Kind::kPartitionEof;
        ev.offset = m->offset;
        break;
      case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
        ev.kind = ConsumerEvent::Kind::kOffsetOutOfRange;
        ev.offset = m->offset;
        ev.error = KafkaError(m->err, PartitionContext(ev.topic, ev.partition) + " offset=" + std::to_string(m->offset),
                              rd_kafka_message_errstr(m));
        break;
      default: {
        ev.kind = ConsumerEvent::Kind::kError;
        ev.offset = m->offset;
        std::string context = m->rkt ? PartitionContext(ev.topic, ev.partition) : "consumer of " + bootstrap;
        ev.error = KafkaError(m->err, context, rd_kafka_message_errstr(m));
        break;
      }
    }
    return ev;
  }
};

RdKafkaConsumer::RdKafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RdKafkaConsumer::~RdKafkaConsumer() = default;

Result<std::unique_ptr<PartitionConsumer>> PartitionConsumer::Create(const KafkaClientConfig& config,
                                                                     ConsumerOptions options) {
  PropertyList defaults = {
      {"fetch.max.bytes", std::to_string(options.fetch_max_bytes)},
      {"max.partition.fetch.bytes", std::to_string(options.max_partition_fetch_bytes)},
      {"queued.max.messages.kbytes", std::to_string(options.queued_max_kbytes)},
      {"queued.min.messages", std::to_string(options.queued_min_messages)},
      {"fetch.wait.max.ms", std::to_string(options.fetch_wait_max_ms)},
  };
  // What the backup's correctness rests on; `extra` cannot change these.
  PropertyList forced = {
      {"group.id", options.group_id.empty() ? PrivateGroupId() : options.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "error"},  // out-of-range is an event, never a silent jump
      {"enable.partition.eof", "true"},
      {"isolation.level", options.read_committed ? "read_committed" : "read_uncommitted"},
      {"allow.auto.create.topics", "false"},
  };
  // A rebalance moves only the partitions that must move.
  if (options.listener) forced.push_back({"partition.assignment.strategy", "cooperative-sticky"});
  KB_ASSIGN_OR_RETURN(RdKafkaConfPtr conf, BuildRdKafkaConf(config, defaults, forced));
  auto impl = std::make_unique<RdKafkaConsumer::Impl>();
  impl->options = options;
  impl->bootstrap = BootstrapList(config);
  if (options.listener) {
    rd_kafka_conf_set_rebalance_cb(conf.get(), &RdKafkaConsumer::Impl::OnRebalance);
    rd_kafka_conf_set_opaque(conf.get(), impl.get());
  }
  KB_ASSIGN_OR_RETURN(RdKafkaPtr rk, NewClient(RD_KAFKA_CONSUMER, std::move(conf), "consumer"));
  // Serve errors and logs from the consumer queue, so Poll sees them.
  rd_kafka_poll_set_consumer(rk.get());
  impl->rk = std::move(rk);
  impl->queue.reset(rd_kafka_queue_get_consumer(impl->rk.get()));
  return std::unique_ptr<PartitionConsumer>(new RdKafkaConsumer(std::move(impl)));
}

Status RdKafkaConsumer::Subscribe(const std::vector<std::string>& topics) {
  if (!impl_->options.listener)
    return Fail(ErrorCode::kInternal, "Subscribe needs a group member (ConsumerOptions::listener)");
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(impl_->rk.get(), list.get()))
    return Fail(KafkaError(err, "subscribing the backup's group member to " + std::to_string(topics.size()) + " topics"));
  return {};
}

Status RdKafkaConsumer::CommitOffsets(const std::vector<PartitionStart>& positions) {
  if (positions.empty()) return {};
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& p : positions)
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  if (rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk.get(), list.get(), 1))
    return Fail(KafkaError(err, "committing the backup's position to its consumer group"));
  return {};
}

std::string RdKafkaConsumer::MemberId() const {
  RdStringPtr id(rd_kafka_memberid(impl_->rk.get()), RdMemDeleter{impl_->rk.get()});
  return id ? std::string(id.get()) : std::string();
}

void RdKafkaConsumer::Close() {
  if (impl_->closed) return;
  impl_->closed = true;
  rd_kafka_consumer_close(impl_->rk.get());
}

Status RdKafkaConsumer::Assign(const std::vector<PartitionStart>& partitions) {
  if (partitions.empty()) return {};
  std::set<TopicPartition> adding;
  for (const auto& p : partitions) {
    TopicPartition tp{p.topic, p.partition};
    if (impl_->assigned.count(tp) || !adding.insert(tp).second)
      return Fail(ErrorCode::kInvalidArgument,
                  PartitionContext(p.topic, p.partition) + " is already assigned: use Seek to move it");
  }
  KB_TRY(impl_->IncrementalAssign(partitions));
  impl_->assigned.insert(adding.begin(), adding.end());
  return {};
}

Status RdKafkaConsumer::Unassign(const std::vector<TopicPartition>& partitions) {
  std::vector<TopicPartition> known;
  for (const auto& tp : partitions)
    if (impl_->assigned.count(tp)) known.push_back(tp);
  if (known.empty()) return {};
  KB_TRY(impl_->IncrementalUnassign(known));
  for (const auto& tp : known) impl_->assigned.erase(tp);
  return {};
}

Status RdKafkaConsumer::Seek(const std::string& topic, int32_t partition, int64_t offset) {
  TopicPartition tp{topic, partition};
  if (!impl_->assigned.count(tp))
    return Fail(ErrorCode::kInvalidArgument, PartitionContext(topic, partition) + " is not assigned: Assign it first");
  // A partition stopped by an out-of-range error cannot be moved with rd_kafka_seek, so the
  // partition is re-assigned; librdkafka drops messages fetched for the old assignment.
  KB_TRY(impl_->IncrementalUnassign({tp}));
  impl_->assigned.erase(tp);
  KB_TRY(impl_->IncrementalAssign({{topic, partition, offset}}));
  impl_->assigned.insert(tp);
  return {};
}

std::vector<TopicPartition> RdKafkaConsumer::Assignment() const {
  return {impl_->assigned.begin(), impl_->assigned.end()};
}

Result<std::vector<ConsumerEvent>> RdKafkaConsumer::Poll(std::chrono::milliseconds timeout) {
  std::vector<ConsumerEvent> events;
  size_t bytes = 0;
  int wait_ms = static_cast<int>(std::max<int64_t>(0, timeout.count()));
  size_t queued = impl_->queue ? rd_kafka_queue_length(impl_->queue.get()) : 0;
  uint64_t avg_bytes = impl_->seen_records ? impl_->seen_bytes / impl_->seen_records : 0;
  if (impl_->NearPrefetchLimit(queued, queued * avg_bytes)) impl_->fetcher_parked = true;
  // An empty queue after a limit was near: wake the fetcher rather than wait for its next wakeup.
  if (impl_->fetcher_parked && queued == 0) impl_->WakeFetcher();
  uint64_t records = 0;
  bool drained = false;
  while (events.size() < impl_->options.max_batch_records && bytes < impl_->options.max_batch_bytes) {
    MessagePtr m(rd_kafka_consumer_poll(impl_->rk.get(), wait_ms));
    if (!m) {
      drained = true;
      break;
    }
    wait_ms = 0;  // after the first event take only what is ready
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512] = "";
      rd_kafka_resp_err_t orig = rd_kafka_fatal_error(impl_->rk.get(), reason, sizeof reason);
      Error e = KafkaError(orig, "backup consumer of " + impl_->bootstrap + " failed fatally", reason);
      e.code = ErrorCode::kInternal;
      e.retryable = false;
      return Fail(e);
    }
    ConsumerEvent ev = impl_->ToEvent(m.get());
    if (ev.kind == ConsumerEvent::Kind::kRecord) {
      size_t n = ev.record.ApproxBytes();
      bytes += n;
      records++;
      impl_->seen_records++;
      impl_->seen_bytes += n;
      if (impl_->last_read.partition != ev.partition || impl_->last_read.topic != ev.topic)
        impl_->last_read = TopicPartition{ev.topic, ev.partition};
    }
    events.push_back(std::move(ev));
  }
  // Near a limit's worth taken at once: the queue was that full, so the fetcher may have stopped.
  if (impl_->NearPrefetchLimit(records, bytes)) impl_->fetcher_parked = true;
  if (drained && impl_->fetcher_parked) impl_->WakeFetcher();
  return events;
}

Result<WatermarkOffsets> RdKafkaConsumer::QueryWatermarks(const std::string& topic, int32_t partition,
                                                            std::chrono::milliseconds timeout) {
  std::vector<WatermarkOffsets> w;
  rd_kafka_resp_err_t err = QueryOffsetBounds(impl_->rk.get(), topic, {partition}, timeout, &w);
  if (err) return Fail(KafkaError(err, "reading the watermarks of " + PartitionContext(topic, partition)));
  return w[0];
}

}  // namespace kb::kafka
