#include "kafka/producer.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>

#include <spdlog/spdlog.h>

#include "core/retry.h"
#include "core/stop.h"
#include "kafka/rdkafka_handles.h"

namespace kb::kafka {

static_assert(sizeof(void*) >= sizeof(uint64_t), "tags travel in librdkafka's per-message pointer");

namespace {
// One metadata request of the producer; a dead broker never answers, the next try asks another.
constexpr std::chrono::milliseconds kMetadataTry{3000};
}  // namespace

class RdKafkaProducer final : public Producer {
 public:
  struct Impl;
  explicit RdKafkaProducer(std::unique_ptr<Impl> impl);
  ~RdKafkaProducer() override;

  Status Produce(const std::string& topic, int32_t partition, const Record& record, uint64_t tag,
                 const std::vector<RecordHeader>& extra_headers) override;
  Status PrepareTopic(const std::string& topic, int32_t partitions) override;
  int Poll(std::chrono::milliseconds timeout) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status WaitFor(const std::function<uint64_t()>& unsettled, std::chrono::milliseconds timeout) override;
  Status BeginTransaction() override;
  Status CommitTransaction(std::chrono::milliseconds timeout) override;
  Status AbortTransaction(std::chrono::milliseconds timeout) override;
  uint64_t outstanding() const override;
  std::optional<Error> first_error() const override;
  std::map<TopicPartition, PartitionDelivery> deliveries() const override;

 private:
  std::unique_ptr<Impl> impl_;
};

struct RdKafkaProducer::Impl {
  ProducerOptions options;
  std::string bootstrap;
  RetryPolicy retry;  // for a partition the producer's metadata does not show yet
  DeliveryCallback on_delivery;
  std::atomic<bool> closing{false};
  std::atomic<uint64_t> outstanding{0};

  mutable std::mutex mu;
  std::optional<Error> first_error;
  std::optional<Error> fatal;
  std::map<TopicPartition, PartitionDelivery> deliveries;
  PartitionDelivery* last_tally = nullptr;  // deliveries' entry of the last report, under mu
  const rd_kafka_topic_t* last_rkt = nullptr;
  int32_t last_partition = -1;
  // Topic handles, made once per topic: naming the topic on every produce call makes librdkafka
  // look it up under its global write lock, which the broker threads contend for.
  std::mutex topics_mu;
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics;
  // The last handle looked up (map nodes do not move): most produce calls name the same topic.
  std::atomic<const std::pair<const std::string, rd_kafka_topic_t*>*> last_topic{nullptr};
  std::atomic<bool> has_fatal{false};  // fatal is set: read once per record without the lock

  RdKafkaPtr rk;  // last member: destroyed first, while the state its callbacks touch still exists

  ~Impl() {
    for (auto& [name, rkt] : topics) rd_kafka_topic_destroy(rkt);
  }

  // The handle for `topic`; nullptr (with librdkafka's error) if it cannot be made.
  rd_kafka_topic_t* Topic(const std::string& topic) {
    if (const auto* last = last_topic.load(std::memory_order_acquire); last && last->first == topic) return last->second;
    std::lock_guard<std::mutex> lock(topics_mu);
    auto it = topics.find(topic);
    if (it == topics.end()) {
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
      if (!rkt) return nullptr;
      it = topics.emplace(topic, rkt).first;
    }
    last_topic.store(&*it, std::memory_order_release);
    return it->second;
  }

  struct TopicShape {
    int32_t partitions = 0;  // partitions the metadata lists
    int32_t led = 0;         // ... of which have a leader
  };
  // Fetches `topic`'s metadata into the producer's cache (where produce calls look) and says what
  // it shows. The wait is bounded by `timeout` and the stop grace.
  Result<TopicShape> FetchTopicMetadata(const std::string& topic, std::chrono::milliseconds timeout) {
    rd_kafka_topic_t* rkt = Topic(topic);
    if (!rkt) return Fail(KafkaError(rd_kafka_last_error(), "preparing to produce to topic " + topic));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(StopGraceDeadline() - std::chrono::steady_clock::now());
    const int ms = static_cast<int>(std::clamp<int64_t>(std::min(left, timeout).count(), 1, INT32_MAX));
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 0, rkt, &raw, ms);
    MetadataPtr md(raw);
    const std::string context = "reading the metadata of topic " + topic + " from " + bootstrap;
    if (err) return Fail(KafkaError(err, context));
    TopicShape shape;
    for (int t = 0; t < md->topic_cnt; ++t) {
      const rd_kafka_metadata_topic_t& mt = md->topics[t];
      if (topic != mt.topic) continue;
      if (mt.err) {
        Error e = KafkaError(mt.err, context);
        // Just created: the broker that answered may not know the topic yet.
        if (mt.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || mt.err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
          e.retryable = true;
        return Fail(e);
      }
      shape.partitions = mt.partition_cnt;
      for (int p = 0; p < mt.partition_cnt; ++p) shape.led += mt.partitions[p].leader >= 0 ? 1 : 0;
    }
    return shape;
  }

  std::optional<Error> Fatal() const {
    if (!has_fatal.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    return fatal;
  }

  Error MakeFatal() {
    char reason[512] = "";
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
    Error e = KafkaError(orig, "producer to " + bootstrap + " failed fatally", reason);
    e.code = ErrorCode::kInternal;
    e.retryable = false;
    e.message += ": the no-duplicates guarantee cannot be kept by this producer; run the restore again, "
                 "it resumes from what was confirmed";
    return e;
  }

  static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    // Once per record: the report is reused (the topic string keeps its buffer), and the last
    // partition's tally is remembered (map nodes do not move).
    thread_local DeliveryReport report;
    report.topic.assign(rd_kafka_topic_name(m->rkt));
    report.partition = m->partition;
    report.tag = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
    report.offset = -1;
    report.error.reset();
    report.possibly_persisted = false;
    if (m->err) {
      report.error = KafkaError(m->err, "delivering a record to " + PartitionContext(report.topic, report.partition));
      report.possibly_persisted = rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED;
    } else {
      report.offset = m->offset < 0 ? -1 : m->offset;
    }
    {
      std::lock_guard<std::mutex> lock(self->mu);
      if (!self->last_tally || self->last_rkt != m->rkt || self->last_partition != m->partition) {
        self->last_tally = &self->deliveries[{report.topic, report.partition}];
        self->last_rkt = m->rkt;
        self->last_partition = m->partition;
      }
      PartitionDelivery& d = *self->last_tally;
      if (report.error) {
        ++d.failed;
        if (!self->first_error) self->first_error = report.error;
      } else {
        ++d.delivered;
        d.last_offset = report.offset;
        d.last_tag = report.tag;
      }
    }
    self->outstanding.fetch_sub(1);
    if (self->on_delivery && !self->closing.load()) self->on_delivery(report);
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char detail[512] = "";
      rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, detail, sizeof detail);
      Error e = KafkaError(orig, "producer to " + self->bootstrap + " failed fatally", detail);
      e.code = ErrorCode::kInternal;
      std::lock_guard<std::mutex> lock(self->mu);
      if (!self->fatal) self->fatal = e;
      self->has_fatal.store(true, std::memory_order_release);
      return;
    }
    // Other errors are transient (a broker restarting); librdkafka retries and the delivery
    // reports carry anything that stays failed.
    spdlog::warn("Kafka producer ({}): {} ({})", self->bootstrap, reason,
                 rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
  }
};

RdKafkaProducer::RdKafkaProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RdKafkaProducer::~RdKafkaProducer() {
  impl_->closing = true;
  // Drop what is not delivered so destruction does not wait for the broker.
  rd_kafka_purge(impl_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

Result<std::unique_ptr<Producer>> Producer::Create(const KafkaClientConfig& config, ProducerOptions options,
                                                   DeliveryCallback on_delivery) {
  bool acks_all = options.acks == "all" || options.acks == "-1";
  if (options.idempotent && !acks_all)
    return Fail(ErrorCode::kInvalidArgument,
                "produce_acks=" + options.acks +
                    " cannot be used with the idempotent producer (no duplicates needs acks=all): "
                    "use produce_acks: all");
  PropertyList defaults = {
      {"linger.ms", std::to_string(options.linger_ms)},
      {"batch.num.messages", std::to_string(options.batch_num_messages)},
      {"batch.size", std::to_string(options.batch_size)},
      {"compression.type", options.compression},
      {"queue.buffering.max.kbytes", std::to_string(options.queue_max_kbytes)},
      {"queue.buffering.max.messages", std::to_string(options.queue_max_messages)},
      {"delivery.timeout.ms", std::to_string(options.delivery_timeout_ms)},
      // Restored records may be as large as the source topic allowed; the broker still checks.
      {"message.max.bytes", std::to_string(64 << 20)},
  };
  PropertyList forced = {
      {"acks", options.acks},
      {"enable.idempotence", options.idempotent ? "true" : "false"},
      {"allow.auto.create.topics", "false"},
  };
  // A record that fails for good (too large, timed out) must stop the producer: otherwise later
  // records would still be written after the hole, and a resumed restore could not tell.
  if (options.idempotent) forced.emplace_back("enable.gapless.guarantee", "true");
  if (!options.transactional_id.empty()) {
    forced.emplace_back("transactional.id", options.transactional_id);
    // librdkafka wants every record's delivery to fit inside the transaction timeout.
    defaults.emplace_back("transaction.timeout.ms", std::to_string(options.delivery_timeout_ms));
  }
  KB_ASSIGN_OR_RETURN(RdKafkaConfPtr conf, BuildRdKafkaConf(config, defaults, forced));
  auto impl = std::make_unique<RdKafkaProducer::Impl>();
  impl->options = options;
  impl->bootstrap = BootstrapList(config);
  impl->retry = RetryPolicy::UntilDeadline(config.retry_deadline, "retry_deadline_ms of the Kafka cluster");
  impl->on_delivery = std::move(on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), impl.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &RdKafkaProducer::Impl::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &RdKafkaProducer::Impl::OnError);
  KB_ASSIGN_OR_RETURN(impl->rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf), "producer"));
  if (!options.transactional_id.empty()) {
    RdErrorPtr err(rd_kafka_init_transactions(impl->rk.get(), std::min(options.delivery_timeout_ms, 60000)));
    if (err)
      return Fail(KafkaError(rd_kafka_error_code(err.get()),
                             "initialising transactions for transactional.id=" + options.transactional_id,
                             rd_kafka_error_string(err.get())));
  }
  return std::unique_ptr<Producer>(new RdKafkaProducer(std::move(impl)));
}

Status RdKafkaProducer::Produce(const std::string& topic, int32_t partition, const Record& record, uint64_t tag,
                         const std::vector<RecordHeader>& extra_headers) {
  if (auto fatal = impl_->Fatal()) return Fail(*fatal);

  HeadersPtr headers;
  if (!record.headers.empty() || !extra_headers.empty()) {
    headers.reset(rd_kafka_headers_new(record.headers.size() + extra_headers.size()));
    for (const auto* list : {&record.headers, &extra_headers}) {
      for (const RecordHeader& h : *list) {
        // A null value is added as NULL so it goes on the wire as null, not as "".
        const void* value = h.value ? h.value->data() : nullptr;
        ssize_t size = h.value ? static_cast<ssize_t>(h.value->size()) : 0;
        rd_kafka_header_add(headers.get(), h.key.data(), static_cast<ssize_t>(h.key.size()), value, size);
      }
    }
  }

  rd_kafka_topic_t* rkt = impl_->Topic(topic);
  if (!rkt) return Fail(KafkaError(rd_kafka_last_error(), "preparing to produce to topic " + topic));
  rd_kafka_vu_t vus[8];
  size_t n = 0;
  vus[n].vtype = RD_KAFKA_VTYPE_RKT;
  vus[n++].u.rkt = rkt;
  vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vus[n++].u.i32 = partition;
  vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
  // A present key or value always has a non-null pointer (std::string::data), so an empty one
  // is sent as empty; an absent one stays NULL, which Kafka stores as null.
  if (record.key) {
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem.ptr = const_cast<char*>(record.key->data());
    vus[n++].u.mem.size = record.key->size();
  }
  if (record.value) {
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = const_cast<char*>(record.value->data());
    vus[n++].u.mem.size = record.value->size();
  }
  if (record.timestamp >= 0) {
    vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    vus[n++].u.i64 = record.timestamp;
  }
  vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[n++].u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(tag));
  if (headers) {
    vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vus[n++].u.headers = headers.get();
  }

  // A partition this producer's metadata does not show yet (a topic created a moment ago) is
  // waited for: its metadata is fetched again between tries, up to the retry deadline.
  // Built only for an error: this runs once per record.
  auto context = [&] { return "producing offset=" + std::to_string(record.offset) + " to " + PartitionContext(topic, partition); };
  auto attempt = [&]() -> Status {
    for (;;) {
      // Counted before the call: the delivery report may run on another thread before it returns.
      impl_->outstanding.fetch_add(1);
      RdErrorPtr err(rd_kafka_produceva(impl_->rk.get(), vus, n));
      if (!err) {
        headers.release();  // the message owns them now
        return {};
      }
      impl_->outstanding.fetch_sub(1);
      rd_kafka_resp_err_t code = rd_kafka_error_code(err.get());
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (StopRequested())
          return Fail(ErrorCode::kCancelled, "interrupted while waiting for room to produce to " +
                                                 PartitionContext(topic, partition));
        rd_kafka_poll(impl_->rk.get(), 50);  // deliveries free room
        continue;
      }
      if (code == RD_KAFKA_RESP_ERR__FATAL) return Fail(impl_->MakeFatal());
      Error e = KafkaError(code, context(), rd_kafka_error_string(err.get()));
      if (code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) e.retryable = true;
      return Fail(e);
    }
  };
  // The usual case goes without the retry policy: this runs once per record, and the policy
  // costs a clock read and an allocation per call.
  if (Status st = attempt(); st || !st.error().retryable) return st;
  return impl_->retry.Run<void>(
      attempt, [&](const Error&, int, std::chrono::milliseconds) { (void)impl_->FetchTopicMetadata(topic, kMetadataTry); });
}

Status RdKafkaProducer::PrepareTopic(const std::string& topic, int32_t partitions) {
  const std::string what = "topic " + topic + " with " + std::to_string(partitions) + " partition(s), each with a leader";
  return impl_->retry.Run<void>([&]() -> Status {
    KB_ASSIGN_OR_RETURN(auto shown, impl_->FetchTopicMetadata(topic, kMetadataTry));
    if (shown.partitions < partitions || shown.led < partitions)
      return Fail(ErrorCode::kUnavailable,
                  "waiting until the producer's metadata shows " + what + " (it shows " +
                      std::to_string(shown.partitions) + ", " + std::to_string(shown.led) + " with a leader)",
                  true);
    return {};
  });
}

int RdKafkaProducer::Poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(impl_->rk.get(), static_cast<int>(timeout.count()));
}

Status RdKafkaProducer::Flush(std::chrono::milliseconds timeout) {
  Status settled = WaitFor([this] { return impl_->outstanding.load(); }, timeout);
  if (auto fatal = impl_->Fatal()) return Fail(*fatal);
  if (auto first = first_error()) {
    uint64_t failed = 0;
    for (const auto& [tp, d] : deliveries()) failed += d.failed;
    return Fail(first->With(std::to_string(failed) + " record(s) were not delivered; the first"));
  }
  return settled;
}

Status RdKafkaProducer::WaitFor(const std::function<uint64_t()>& unsettled, std::chrono::milliseconds timeout) {
  // In short slices: another thread sharing the producer may serve the last of our reports, and
  // after a fatal error nothing more will be delivered, so what is queued is dropped (reported as
  // failed) instead of waiting out the delivery timeout.
  // After a stop request the wait ends with the stop grace: what is unconfirmed then is reported
  // as such, like after kill -9 (a resumed restore finds what the broker did write).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (uint64_t left = unsettled(); left > 0; left = unsettled()) {
    if (auto fatal = impl_->Fatal()) {
      rd_kafka_purge(impl_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_flush(impl_->rk.get(), 5000);  // serves the purged records' reports
      return Fail(*fatal);
    }
    const auto end = std::min(deadline, StopGraceDeadline());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (ms <= 0) {
      const std::string unconfirmed = std::to_string(left) + " record(s) still not confirmed by " + impl_->bootstrap;
      if (StopRequested()) return Fail(ErrorCode::kCancelled, unconfirmed + " when the stop grace ended");
      return Fail(ErrorCode::kUnavailable,
                  unconfirmed + " after " + std::to_string(timeout.count()) + " ms: check that the brokers are up", true);
    }
    rd_kafka_flush(impl_->rk.get(), static_cast<int>(std::min<int64_t>(ms, 10)));  // also sends lingering batches now
  }
  return {};
}

namespace {
Status TransactionStatus(rd_kafka_error_t* raw, const char* what) {
  RdErrorPtr err(raw);
  if (!err) return {};
  return Fail(KafkaError(rd_kafka_error_code(err.get()), std::string(what) + " failed",
                         rd_kafka_error_string(err.get())));
}
int TimeoutMs(std::chrono::milliseconds t) { return static_cast<int>(t.count()); }
}  // namespace

Status RdKafkaProducer::BeginTransaction() {
  return TransactionStatus(rd_kafka_begin_transaction(impl_->rk.get()), "beginning a transaction");
}

Status RdKafkaProducer::CommitTransaction(std::chrono::milliseconds timeout) {
  return TransactionStatus(rd_kafka_commit_transaction(impl_->rk.get(), TimeoutMs(timeout)),
                           "committing a transaction");
}

Status RdKafkaProducer::AbortTransaction(std::chrono::milliseconds timeout) {
  return TransactionStatus(rd_kafka_abort_transaction(impl_->rk.get(), TimeoutMs(timeout)),
                           "aborting a transaction");
}

uint64_t RdKafkaProducer::outstanding() const { return impl_->outstanding.load(); }

std::optional<Error> RdKafkaProducer::first_error() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->first_error;
}

std::map<TopicPartition, PartitionDelivery> RdKafkaProducer::deliveries() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->deliveries;
}

}  // namespace kb::kafka
