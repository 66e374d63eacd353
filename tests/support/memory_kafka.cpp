#include "support/memory_kafka.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace kb::test {

using kafka::TopicPartition;

namespace {

constexpr int32_t kBroker = 1;  // the one broker: controller, leader of every partition, coordinator
// A consumer with nothing to read waits at most this long in Poll, whatever its timeout: the
// engines' loops come back at once to see new work or a stop, and tests never sit out a timeout.
constexpr std::chrono::milliseconds kIdleWait{5};

std::string Where(const std::string& topic, int32_t partition) {
  return "topic=" + topic + " partition=" + std::to_string(partition);
}

Error UnknownPartition(const std::string& topic, int32_t partition) {
  return Error{ErrorCode::kNotFound, Where(topic, partition) + ": unknown topic or partition (in-memory Kafka)"};
}

// One partition's log: dense offsets from `low` (the log start) to high() (the next offset).
struct PartitionLog {
  int64_t low = 0;
  std::deque<Record> records;
  int64_t high() const { return low + static_cast<int64_t>(records.size()); }
};

struct TopicState {
  std::vector<PartitionLog> partitions;
  int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;
};

}  // namespace

struct MemoryKafka::State {
  std::mutex mu;
  std::condition_variable changed;  // records appended or deleted: wakes waiting consumers
  std::map<std::string, TopicState> topics;
  std::map<std::string, std::map<TopicPartition, kafka::GroupOffset>> groups;  // a group exists while it has offsets
  std::optional<uint64_t> produce_budget;  // set: records still written before produces fail
  std::optional<uint64_t> unreported_in;   // set: records produced before the one confirmed without offset
  bool unreported_written = true;          // whether that record is written
  std::optional<TopicPartition> held;      // set: this partition's reports wait for Flush
  std::optional<uint64_t> fail_one_in;     // set: records produced before the one that fails alone
  int failing_admin_calls = 0;

  // The callers below hold mu.
  TopicState* FindTopic(const std::string& topic) {
    auto it = topics.find(topic);
    return it == topics.end() ? nullptr : &it->second;
  }
  PartitionLog* Find(const std::string& topic, int32_t partition) {
    TopicState* t = FindTopic(topic);
    if (!t || partition < 0 || partition >= static_cast<int32_t>(t->partitions.size())) return nullptr;
    return &t->partitions[static_cast<size_t>(partition)];
  }
};

namespace {

using State = MemoryKafka::State;

// kOffsetBeginning / kOffsetEnd as a number, the way the broker resolves them.
int64_t Resolve(const PartitionLog& log, int64_t offset) {
  if (offset == kafka::kOffsetBeginning) return log.low;
  if (offset == kafka::kOffsetEnd) return log.high();
  return offset;
}

Status CheckBootstrap(const kafka::KafkaClientConfig& config) {
  if (config.bootstrap_servers.empty()) return Fail(ErrorCode::kInvalidArgument, "bootstrap_servers is empty");
  return {};
}

class MemoryAdmin : public kafka::AdminClient {
 public:
  explicit MemoryAdmin(std::shared_ptr<State> s) : s_(std::move(s)) {}

  Result<kafka::ClusterMetadata> Metadata() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    kafka::ClusterMetadata m;
    m.cluster_id = "memory-cluster";
    m.controller_id = kBroker;
    m.brokers.push_back({kBroker, "memory", 9092});
    for (const auto& [name, t] : s_->topics) m.topics[name] = Info(name, t);
    return m;
  }

  Result<std::vector<std::string>> ListTopics(bool include_internal) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    std::vector<std::string> out;
    for (const auto& [name, t] : s_->topics)
      if (include_internal || !Internal(name)) out.push_back(name);
    return out;
  }

  Result<bool> TopicExists(const std::string& topic) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    return s_->FindTopic(topic) != nullptr;
  }

  Result<kafka::TopicInfo> DescribeTopic(const std::string& topic) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    KB_ASSIGN_OR_RETURN(TopicState * t, Topic(topic));
    return Info(topic, *t);
  }

  Status CreateTopic(const std::string& topic, int32_t partitions, int16_t replication_factor,
                     const std::map<std::string, std::string>& configs) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    if (s_->FindTopic(topic)) return Fail(ErrorCode::kAlreadyExists, "topic=" + topic + ": topic already exists");
    if (partitions < 1) return Fail(ErrorCode::kInvalidArgument, "topic=" + topic + ": partitions must be at least 1");
    // One broker holds one replica: a real cluster refuses more replicas than brokers.
    if (replication_factor > 1)
      return Fail(ErrorCode::kInvalidArgument, "topic=" + topic + ": replication factor " +
                                                   std::to_string(replication_factor) + " is larger than the 1 broker");
    TopicState& t = s_->topics[topic];
    t.partitions.resize(static_cast<size_t>(partitions));
    t.configs = configs;
    return {};
  }

  Status DeleteTopic(const std::string& topic) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    if (!s_->topics.erase(topic)) return Fail(ErrorCode::kNotFound, "topic=" + topic + ": topic does not exist");
    s_->changed.notify_all();
    return {};
  }

  Result<kafka::TopicDescription> DescribeTopicConfigs(const std::string& topic) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    KB_ASSIGN_OR_RETURN(TopicState * t, Topic(topic));
    return kafka::TopicDescription{topic, static_cast<int32_t>(t->partitions.size()), t->replication_factor, t->configs};
  }

  Result<kafka::WatermarkOffsets> Watermarks(const std::string& topic, int32_t partition) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    PartitionLog* log = s_->Find(topic, partition);
    if (!log) return Fail(UnknownPartition(topic, partition));
    return kafka::WatermarkOffsets{log->low, log->high()};
  }

  Result<std::map<int32_t, kafka::WatermarkOffsets>> TopicWatermarks(const std::string& topic,
                                                                     const std::vector<int32_t>& partitions) override {
    std::map<int32_t, kafka::WatermarkOffsets> out;
    for (int32_t p : partitions) {
      KB_ASSIGN_OR_RETURN(out[p], Watermarks(topic, p));
    }
    return out;
  }

  Result<std::map<int32_t, int64_t>> OffsetsForTimes(const std::string& topic,
                                                     const std::map<int32_t, int64_t>& timestamps) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    std::map<int32_t, int64_t> out;
    for (const auto& [p, ts] : timestamps) {
      PartitionLog* log = s_->Find(topic, p);
      if (!log) return Fail(UnknownPartition(topic, p));
      if (ts == kafka::kOffsetBeginning || ts == kafka::kOffsetEnd) {  // Kafka's special "times"
        out[p] = Resolve(*log, ts);
        continue;
      }
      // Timestamps need not grow with offsets: the first record at or after ts, in offset order.
      auto it = std::find_if(log->records.begin(), log->records.end(), [&](const Record& r) { return r.timestamp >= ts; });
      out[p] = it == log->records.end() ? -1 : it->offset;
    }
    return out;
  }

  Result<std::map<int32_t, int64_t>> DeleteRecords(const std::string& topic,
                                                   const std::map<int32_t, int64_t>& before_offsets) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    KB_TRY(Topic(topic));
    // Every partition is checked before any is changed: a refused request changes nothing.
    for (const auto& [p, before] : before_offsets) {
      PartitionLog* log = s_->Find(topic, p);
      if (!log) return Fail(UnknownPartition(topic, p));
      if (before != kafka::kOffsetEnd && (before < 0 || before > log->high()))
        return Fail(ErrorCode::kInvalidArgument, Where(topic, p) + ": cannot delete records before offset " +
                                                     std::to_string(before) + ": offset out of range (end is " +
                                                     std::to_string(log->high()) + ")");
    }
    std::map<int32_t, int64_t> lows;
    for (const auto& [p, before] : before_offsets) {
      PartitionLog& log = *s_->Find(topic, p);
      int64_t to = before == kafka::kOffsetEnd ? log.high() : before;
      while (log.low < to) log.records.pop_front(), log.low++;
      lows[p] = log.low;
    }
    s_->changed.notify_all();
    return lows;
  }

  Result<std::vector<kafka::GroupListing>> ListConsumerGroups() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    std::vector<kafka::GroupListing> out;
    for (const auto& [group, offsets] : s_->groups) out.push_back({group, kafka::GroupState::kEmpty, true});
    return out;
  }

  Result<kafka::GroupDescription> DescribeConsumerGroup(const std::string& group) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    kafka::GroupDescription d;
    d.group_id = group;
    d.state = s_->groups.count(group) ? kafka::GroupState::kEmpty : kafka::GroupState::kDead;
    d.coordinator_id = kBroker;
    d.coordinator_host = "memory";
    d.coordinator_port = 9092;
    return d;
  }

  Status DeleteConsumerGroup(const std::string& group) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    if (!s_->groups.erase(group)) return Fail(ErrorCode::kNotFound, "group=" + group + ": group does not exist");
    return {};
  }

  Result<std::vector<kafka::GroupOffset>> ListGroupOffsets(const std::string& group) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    std::vector<kafka::GroupOffset> out;
    auto it = s_->groups.find(group);
    if (it != s_->groups.end())
      for (const auto& [tp, o] : it->second) out.push_back(o);  // map order: topic, then partition
    return out;
  }

  Result<std::vector<kafka::PartitionOutcome>> AlterGroupOffsets(const std::string& group,
                                                                 const std::vector<kafka::GroupOffset>& offsets) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    std::vector<kafka::PartitionOutcome> out;
    for (const auto& o : offsets) {
      kafka::PartitionOutcome r{o.topic, o.partition, o.offset, std::nullopt};
      if (!s_->Find(o.topic, o.partition)) r.error = UnknownPartition(o.topic, o.partition);
      else if (o.offset < 0) r.error = Error{ErrorCode::kInvalidArgument, Where(o.topic, o.partition) + ": negative offset"};
      else s_->groups[group][{o.topic, o.partition}] = o;
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<std::vector<kafka::PartitionOutcome>> DeleteGroupOffsets(
      const std::string& group, const std::vector<TopicPartition>& partitions) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    KB_TRY(Reachable());
    auto it = s_->groups.find(group);
    if (it == s_->groups.end()) return Fail(ErrorCode::kNotFound, "group=" + group + ": group does not exist");
    std::vector<kafka::PartitionOutcome> out;
    for (const auto& tp : partitions) {
      it->second.erase(tp);
      out.push_back({tp.topic, tp.partition, -1, std::nullopt});
    }
    if (it->second.empty()) s_->groups.erase(it);  // no offsets and no members: nothing is left of it
    return out;
  }

  const std::string& bootstrap() const override { return bootstrap_; }
  const OutageTracker& outage() const override { return outage_; }

 private:
  static bool Internal(const std::string& topic) { return topic.rfind("__", 0) == 0; }

  static kafka::TopicInfo Info(const std::string& name, const TopicState& t) {
    kafka::TopicInfo info;
    info.name = name;
    info.internal = Internal(name);
    for (size_t p = 0; p < t.partitions.size(); ++p)
      info.partitions.push_back({static_cast<int32_t>(p), kBroker, t.replication_factor, t.replication_factor});
    return info;
  }

  Result<TopicState*> Topic(const std::string& topic) {
    TopicState* t = s_->FindTopic(topic);
    if (!t) return Fail(ErrorCode::kNotFound, "topic=" + topic + ": topic does not exist");
    return t;
  }

  // An injected outage takes one call; caller holds mu.
  Status Reachable() {
    if (s_->failing_admin_calls <= 0) return {};
    s_->failing_admin_calls--;
    return Fail(ErrorCode::kUnavailable, "could not reach Kafka at memory (in-memory Kafka's injected fault)", true);
  }

  std::shared_ptr<State> s_;
  std::string bootstrap_ = "memory";
  OutageTracker outage_;  // never retrying: nothing here is retried
};

class MemoryConsumer : public kafka::PartitionConsumer {
 public:
  MemoryConsumer(std::shared_ptr<State> s, kafka::ConsumerOptions options) : s_(std::move(s)), options_(options) {}

  Status Assign(const std::vector<kafka::PartitionStart>& partitions) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    std::set<TopicPartition> adding;
    for (const auto& p : partitions) {
      TopicPartition tp{p.topic, p.partition};
      if (assigned_.count(tp) || !adding.insert(tp).second)
        return Fail(ErrorCode::kInvalidArgument, Where(p.topic, p.partition) + " is already assigned: use Seek to move it");
      // librdkafka would report an unknown partition later, as an error event; failing here
      // makes a test's mistake loud instead of a backup that waits for it.
      if (!s_->Find(p.topic, p.partition)) return Fail(UnknownPartition(p.topic, p.partition));
      if (p.offset < 0 && p.offset != kafka::kOffsetBeginning && p.offset != kafka::kOffsetEnd)
        return Fail(ErrorCode::kInvalidArgument, Where(p.topic, p.partition) + ": invalid start offset " +
                                                     std::to_string(p.offset));
    }
    for (const auto& p : partitions)
      assigned_[{p.topic, p.partition}] = Position{Resolve(*s_->Find(p.topic, p.partition), p.offset)};
    return {};
  }

  Status Unassign(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) assigned_.erase(tp);
    return {};
  }

  Status Seek(const std::string& topic, int32_t partition, int64_t offset) override {
    auto it = assigned_.find({topic, partition});
    if (it == assigned_.end())
      return Fail(ErrorCode::kInvalidArgument, Where(topic, partition) + " is not assigned: Assign it first");
    std::lock_guard<std::mutex> lock(s_->mu);
    PartitionLog* log = s_->Find(topic, partition);
    it->second = Position{log ? Resolve(*log, offset) : std::max<int64_t>(offset, 0)};
    return {};
  }

  Status Subscribe(const std::vector<std::string>&) override { return NoGroups(); }
  Status CommitOffsets(const std::vector<kafka::PartitionStart>&) override { return NoGroups(); }
  std::string MemberId() const override { return ""; }
  void Close() override { assigned_.clear(); }

  std::vector<TopicPartition> Assignment() const override {
    std::vector<TopicPartition> out;
    for (const auto& [tp, pos] : assigned_) out.push_back(tp);
    return out;
  }

  Result<std::vector<kafka::ConsumerEvent>> Poll(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + std::min(timeout, kIdleWait);
    std::unique_lock<std::mutex> lock(s_->mu);
    for (;;) {
      auto events = Collect();
      if (!events.empty()) return events;
      if (s_->changed.wait_until(lock, deadline) == std::cv_status::timeout) return Collect();
    }
  }

  Result<kafka::WatermarkOffsets> QueryWatermarks(const std::string& topic, int32_t partition,
                                                  std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    PartitionLog* log = s_->Find(topic, partition);
    if (!log) return Fail(UnknownPartition(topic, partition));
    return kafka::WatermarkOffsets{log->low, log->high()};
  }

 private:
  struct Position {
    int64_t next = 0;
    bool stopped = false;       // out of range (or topic gone): nothing more until Seek
    bool told_at_end = false;   // kPartitionEof sent for this catch-up
  };

  static Status NoGroups() {
    return Fail(ErrorCode::kNotImplemented, "the in-memory Kafka has no consumer-group membership");
  }

  // What is ready now, within the batch limits; caller holds s_->mu. Partitions take turns
  // starting the batch, so a busy one cannot starve the others.
  std::vector<kafka::ConsumerEvent> Collect() {
    std::vector<kafka::ConsumerEvent> out;
    if (assigned_.empty()) return out;
    size_t bytes = 0;
    const size_t max_records = std::max<size_t>(1, options_.max_batch_records);
    auto full = [&] { return out.size() >= max_records || bytes >= options_.max_batch_bytes; };
    auto event = [&](kafka::ConsumerEvent::Kind kind, const TopicPartition& tp, int64_t offset) -> kafka::ConsumerEvent& {
      kafka::ConsumerEvent& ev = out.emplace_back();
      ev.kind = kind;
      ev.topic = tp.topic;
      ev.partition = tp.partition;
      ev.offset = offset;
      return ev;
    };
    std::vector<std::pair<const TopicPartition, Position>*> order;
    for (auto& entry : assigned_) order.push_back(&entry);
    std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(turn_++ % order.size()), order.end());
    for (auto* entry : order) {
      const TopicPartition& tp = entry->first;
      Position& pos = entry->second;
      if (full()) break;
      if (pos.stopped) continue;
      PartitionLog* log = s_->Find(tp.topic, tp.partition);
      if (!log) {
        event(kafka::ConsumerEvent::Kind::kError, tp, pos.next).error = UnknownPartition(tp.topic, tp.partition);
        pos.stopped = true;
        continue;
      }
      if (pos.next < log->low || pos.next > log->high()) {
        event(kafka::ConsumerEvent::Kind::kOffsetOutOfRange, tp, pos.next);
        pos.stopped = true;
        continue;
      }
      while (pos.next < log->high() && !full()) {
        const Record& r = log->records[static_cast<size_t>(pos.next - log->low)];
        event(kafka::ConsumerEvent::Kind::kRecord, tp, r.offset).record = r;
        bytes += r.ApproxBytes();
        pos.next++;
        pos.told_at_end = false;
      }
      if (pos.next == log->high() && !pos.told_at_end && !full()) {
        event(kafka::ConsumerEvent::Kind::kPartitionEof, tp, pos.next);
        pos.told_at_end = true;
      }
    }
    return out;
  }

  std::shared_ptr<State> s_;
  kafka::ConsumerOptions options_;
  std::map<TopicPartition, Position> assigned_;
  size_t turn_ = 0;
};

class MemoryProducer : public kafka::Producer {
 public:
  MemoryProducer(std::shared_ptr<State> s, kafka::DeliveryCallback on_delivery)
      : s_(std::move(s)), on_delivery_(std::move(on_delivery)) {}

  // Written at once (or refused by an injected fault); the report waits for Poll or Flush.
  Status Produce(const std::string& topic, int32_t partition, const Record& record, uint64_t tag,
                 const std::vector<RecordHeader>& extra_headers) override {
    kafka::DeliveryReport report;
    report.topic = topic;
    report.partition = partition;
    report.tag = tag;
    {
      std::lock_guard<std::mutex> lock(s_->mu);
      PartitionLog* log = s_->Find(topic, partition);
      if (!log) return Fail(UnknownPartition(topic, partition));
      bool fail_one = s_->fail_one_in && (*s_->fail_one_in)-- == 0;
      if (fail_one) s_->fail_one_in.reset();
      if (fail_one || (s_->produce_budget && *s_->produce_budget == 0)) {
        report.error = Error{ErrorCode::kUnavailable, "delivering a record to " + Where(topic, partition) +
                             ": broker transport failure (in-memory Kafka's injected fault)", true};
      } else {
        if (s_->produce_budget) --*s_->produce_budget;
        Record r = record;
        r.offset = log->high();
        r.timestamp_type = TimestampType::kCreateTime;
        if (r.timestamp < 0) r.timestamp = NowMs();
        const auto& configs = s_->FindTopic(topic)->configs;
        if (auto c = configs.find("message.timestamp.type"); c != configs.end() && c->second == "LogAppendTime") {
          r.timestamp = NowMs();
          r.timestamp_type = TimestampType::kLogAppendTime;
        }
        r.headers.insert(r.headers.end(), extra_headers.begin(), extra_headers.end());
        report.offset = r.offset;
        bool unreported = s_->unreported_in && (*s_->unreported_in)-- == 0;
        if (unreported) {
          s_->unreported_in.reset();
          report.offset = -1;  // a success without an offset
        }
        if (!unreported || s_->unreported_written) log->records.push_back(std::move(r));
        s_->changed.notify_all();
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(report));
    return {};
  }

  Status PrepareTopic(const std::string& topic, int32_t partitions) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    const TopicState* t = s_->FindTopic(topic);
    int32_t have = t ? static_cast<int32_t>(t->partitions.size()) : 0;
    if (have < partitions)
      return Fail(ErrorCode::kNotFound, "topic=" + topic + " has " + std::to_string(have) + " partitions, " +
                                            std::to_string(partitions) + " needed");
    return {};
  }

  // Every report is ready as soon as its record was produced (but a held partition's: see
  // MemoryKafka::HoldReports).
  int Poll(std::chrono::milliseconds) override { return Deliver(/*flush=*/false); }

  Status Flush(std::chrono::milliseconds) override {
    Deliver(/*flush=*/true);
    std::lock_guard<std::mutex> lock(mu_);
    if (!first_error_) return {};
    uint64_t failed = 0;
    for (const auto& [tp, d] : deliveries_) failed += d.failed;
    return Fail(first_error_->With(std::to_string(failed) + " record(s) were not delivered; the first"));
  }

  Status WaitFor(const std::function<uint64_t()>& unsettled, std::chrono::milliseconds) override {
    Deliver(/*flush=*/true);
    if (uint64_t left = unsettled(); left > 0)
      return Fail(ErrorCode::kUnavailable, std::to_string(left) + " record(s) have no delivery report after every "
                                           "report was handed out (in-memory Kafka)");
    return {};
  }

  Status BeginTransaction() override { return NoTransactions(); }
  Status CommitTransaction(std::chrono::milliseconds) override { return NoTransactions(); }
  Status AbortTransaction(std::chrono::milliseconds) override { return NoTransactions(); }

  uint64_t outstanding() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  std::optional<Error> first_error() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return first_error_;
  }
  std::map<TopicPartition, kafka::PartitionDelivery> deliveries() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return deliveries_;
  }

 private:
  static Status NoTransactions() {
    return Fail(ErrorCode::kNotImplemented, "the in-memory Kafka has no transactions");
  }

  // Hands the queued reports to the callback on this thread; returns how many.
  int Deliver(bool flush) {
    std::optional<TopicPartition> held;
    if (!flush) {
      std::lock_guard<std::mutex> lock(s_->mu);
      held = s_->held;
    }
    std::deque<kafka::DeliveryReport> reports;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::deque<kafka::DeliveryReport> kept;
      for (auto& r : pending_) {
        if (held && held->topic == r.topic && held->partition == r.partition) kept.push_back(std::move(r));
        else reports.push_back(std::move(r));
      }
      pending_.swap(kept);
      for (const auto& r : reports) {
        kafka::PartitionDelivery& d = deliveries_[{r.topic, r.partition}];
        if (r.error) {
          d.failed++;
          if (!first_error_) first_error_ = r.error;
        } else {
          d.delivered++;
          d.last_offset = r.offset;
          d.last_tag = r.tag;
        }
      }
    }
    if (on_delivery_)
      for (const auto& r : reports) on_delivery_(r);
    return static_cast<int>(reports.size());
  }

  std::shared_ptr<State> s_;
  kafka::DeliveryCallback on_delivery_;
  mutable std::mutex mu_;
  std::deque<kafka::DeliveryReport> pending_;  // produced, report not yet handed out
  std::optional<Error> first_error_;           // sticky, as librdkafka's
  std::map<TopicPartition, kafka::PartitionDelivery> deliveries_;
};

}  // namespace

MemoryKafka::MemoryKafka() : state_(std::make_shared<State>()) {}

int MemoryKafka::producers_created() const { return producers_created_.load(); }

Result<std::unique_ptr<kafka::AdminClient>> MemoryKafka::CreateAdmin(const kafka::KafkaClientConfig& config) {
  KB_TRY(CheckBootstrap(config));
  return std::unique_ptr<kafka::AdminClient>(new MemoryAdmin(state_));
}

Result<std::unique_ptr<kafka::PartitionConsumer>> MemoryKafka::CreateConsumer(const kafka::KafkaClientConfig& config,
                                                                              kafka::ConsumerOptions options) {
  KB_TRY(CheckBootstrap(config));
  if (options.listener) return Fail(ErrorCode::kNotImplemented, "the in-memory Kafka has no consumer-group membership");
  return std::unique_ptr<kafka::PartitionConsumer>(new MemoryConsumer(state_, options));
}

Result<std::unique_ptr<kafka::Producer>> MemoryKafka::CreateProducer(const kafka::KafkaClientConfig& config,
                                                                     kafka::ProducerOptions options,
                                                                     kafka::DeliveryCallback on_delivery) {
  KB_TRY(CheckBootstrap(config));
  if (!options.transactional_id.empty())
    return Fail(ErrorCode::kNotImplemented, "the in-memory Kafka has no transactions");
  producers_created_.fetch_add(1);
  return std::unique_ptr<kafka::Producer>(new MemoryProducer(state_, std::move(on_delivery)));
}

void MemoryKafka::CreateTopic(const std::string& topic, int32_t partitions,
                              const std::map<std::string, std::string>& configs) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->FindTopic(topic) || partitions < 1) {
    ADD_FAILURE() << "MemoryKafka::CreateTopic(" << topic << ", " << partitions << "): exists or no partitions";
    return;
  }
  TopicState& t = state_->topics[topic];
  t.partitions.resize(static_cast<size_t>(partitions));
  t.configs = configs;
}

int64_t MemoryKafka::Append(const std::string& topic, int32_t partition, Record record) {
  std::lock_guard<std::mutex> lock(state_->mu);
  PartitionLog* log = state_->Find(topic, partition);
  if (!log) {
    ADD_FAILURE() << "MemoryKafka::Append: no " << Where(topic, partition);
    return -1;
  }
  record.offset = log->high();
  log->records.push_back(std::move(record));
  state_->changed.notify_all();
  return log->high() - 1;
}

std::vector<Record> MemoryKafka::Records(const std::string& topic, int32_t partition) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  PartitionLog* log = state_->Find(topic, partition);
  if (!log) {
    ADD_FAILURE() << "MemoryKafka::Records: no " << Where(topic, partition);
    return {};
  }
  return {log->records.begin(), log->records.end()};
}

kafka::WatermarkOffsets MemoryKafka::Watermarks(const std::string& topic, int32_t partition) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  PartitionLog* log = state_->Find(topic, partition);
  if (!log) {
    ADD_FAILURE() << "MemoryKafka::Watermarks: no " << Where(topic, partition);
    return {};
  }
  return {log->low, log->high()};
}

void MemoryKafka::DeleteRecordsBefore(const std::string& topic, int32_t partition, int64_t offset) {
  std::lock_guard<std::mutex> lock(state_->mu);
  PartitionLog* log = state_->Find(topic, partition);
  if (!log || offset > log->high()) {
    ADD_FAILURE() << "MemoryKafka::DeleteRecordsBefore(" << offset << "): no " << Where(topic, partition)
                  << " or past its end";
    return;
  }
  while (log->low < offset) log->records.pop_front(), log->low++;
  state_->changed.notify_all();
}

void MemoryKafka::FailProducesAfter(uint64_t records) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->produce_budget = records;
}

void MemoryKafka::FailNextAdminCalls(int calls) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->failing_admin_calls = calls;
}

void MemoryKafka::ConfirmWithoutOffset(uint64_t nth, bool written) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->unreported_in = nth;
  state_->unreported_written = written;
}

void MemoryKafka::FailOneProduce(uint64_t nth) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->fail_one_in = nth;
}

void MemoryKafka::HoldReports(const std::string& topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->held = TopicPartition{topic, partition};
}

void MemoryKafka::ClearFaults() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->held.reset();
  state_->fail_one_in.reset();
  state_->produce_budget.reset();
  state_->unreported_in.reset();
  state_->failing_admin_calls = 0;
}

}  // namespace kb::test
