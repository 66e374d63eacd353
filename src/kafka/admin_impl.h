// The inside of the librdkafka AdminClient, shared by its two source files (admin_client.cpp: metadata, topics
// and offsets; admin_groups.cpp: consumer groups). Only those two include it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include <spdlog/spdlog.h>

#include "core/retry.h"
#include "core/stop.h"
#include "kafka/admin_client.h"
#include "kafka/list_offsets.h"
#include "kafka/rdkafka_handles.h"

namespace kb::kafka {

using std::chrono::milliseconds;

inline int ToMs(milliseconds d) { return static_cast<int>(std::min<int64_t>(d.count(), INT32_MAX)); }

// One try of a partition-level request (offsets, metadata of one topic). A healthy leader answers
// in milliseconds; a dead one never does, and the next try goes to the new leader.
inline constexpr milliseconds kPartitionRequestTimeout{3000};

// How long one try may wait: `limit`, but never past the stop grace (at least 1 ms).
inline milliseconds TryTimeout(milliseconds limit) {
  auto left = std::chrono::duration_cast<milliseconds>(StopGraceDeadline() - std::chrono::steady_clock::now());
  return std::clamp(left, milliseconds(1), limit);
}

// "10 s" or "1.5 s", for messages about waits.
inline std::string Seconds(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

inline bool IsUnreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE ||
         err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
}

// An Error from a rd_kafka_error_t (owned by the result event).
inline Error FromRdError(const rd_kafka_error_t* e, const std::string& context) {
  return KafkaError(rd_kafka_error_code(e), context, rd_kafka_error_string(e));
}

inline PartitionListPtr NewPartitionList(size_t n) {
  return PartitionListPtr(rd_kafka_topic_partition_list_new(static_cast<int>(std::max<size_t>(n, 1))));
}

// AdminClient through librdkafka. Its calls are in admin_client.cpp and admin_groups.cpp.
class RdKafkaAdminClient final : public AdminClient {
 public:
  struct Impl;
  explicit RdKafkaAdminClient(std::unique_ptr<Impl> impl);
  ~RdKafkaAdminClient() override;

  Result<ClusterMetadata> Metadata() override;
  Result<std::vector<std::string>> ListTopics(bool include_internal) override;
  Result<bool> TopicExists(const std::string& topic) override;
  Result<TopicInfo> DescribeTopic(const std::string& topic) override;
  Status CreateTopic(const std::string& topic, int32_t partitions, int16_t replication_factor,
                     const std::map<std::string, std::string>& configs) override;
  Status DeleteTopic(const std::string& topic) override;
  Result<TopicDescription> DescribeTopicConfigs(const std::string& topic) override;
  Result<WatermarkOffsets> Watermarks(const std::string& topic, int32_t partition) override;
  Result<std::map<int32_t, WatermarkOffsets>> TopicWatermarks(const std::string& topic,
                                                              const std::vector<int32_t>& partitions) override;
  Result<std::map<int32_t, int64_t>> OffsetsForTimes(const std::string& topic,
                                                     const std::map<int32_t, int64_t>& timestamps) override;
  Result<std::map<int32_t, int64_t>> DeleteRecords(const std::string& topic,
                                                   const std::map<int32_t, int64_t>& before_offsets) override;
  Result<std::vector<GroupListing>> ListConsumerGroups() override;
  Result<GroupDescription> DescribeConsumerGroup(const std::string& group) override;
  Status DeleteConsumerGroup(const std::string& group) override;
  Result<std::vector<GroupOffset>> ListGroupOffsets(const std::string& group) override;
  Result<std::vector<PartitionOutcome>> AlterGroupOffsets(const std::string& group,
                                                          const std::vector<GroupOffset>& offsets) override;
  Result<std::vector<PartitionOutcome>> DeleteGroupOffsets(const std::string& group,
                                                           const std::vector<TopicPartition>& partitions) override;
  const std::string& bootstrap() const override;
  const OutageTracker& outage() const override;

 private:
  // After CreateTopic: waits until each partition's leader answers for it (its log is open).
  Status WaitUntilLogsOpen(const std::string& topic, int32_t partitions);

  std::unique_ptr<Impl> impl_;
};

struct RdKafkaAdminClient::Impl {
  AdminOptions options;
  KafkaClientConfig config;
  std::string bootstrap;
  RdKafkaPtr rk;
  RetryPolicy retry;                // rides out leader changes, restarts, coordinator moves
  // RetryPartitionRequest's: `retry` with a 25 ms first backoff. The usual failure there is a
  // partition whose log is still opening (a topic created a moment ago), over in tens of ms; the
  // backoff still doubles, so an election or an outage is asked about only a few times more.
  RetryPolicy partition_retry;
  OutageTracker outage;             // calls being retried right now, for /health
  std::atomic<bool> reached{false};  // the cluster has answered once
  std::atomic<int> most_brokers{0};  // the most brokers one metadata answer listed

  // Whether a consumer-group listing that `failed` brokers did not answer is still complete.
  // librdkafka asks every broker it has ever known, and it never forgets one, so a broker that is
  // down fails the listing although the cluster moved its groups away. The listing is complete
  // when no more brokers failed than have left the cluster's metadata (each of those must fail,
  // so every live broker answered) and every __consumer_offsets partition, whose leader
  // coordinates its groups, has a leader.
  bool ListingCompleteWithout(size_t failed) {
    auto md = FetchMetadataOnce();
    if (!md) return false;
    const int gone = most_brokers.load() - static_cast<int>(md->brokers.size());
    if (gone <= 0 || failed > static_cast<size_t>(gone)) return false;
    auto it = md->topics.find("__consumer_offsets");
    if (it == md->topics.end() || it->second.partitions.empty()) return false;
    for (const auto& p : it->second.partitions)
      if (p.leader < 0) return false;
    return true;
  }

  // Runs `attempt` under the retry policy; `between` (optional) runs before each retry. While it
  // retries, the call shows in `outage`.
  template <typename T>
  Result<T> Retry(const std::function<Result<T>()>& attempt, const std::function<void()>& between = {},
                  const RetryPolicy* policy = nullptr) {
    bool failed_before = false;
    Result<T> r = (policy ? *policy : retry).Run<T>(attempt, [&](const Error& e, int, milliseconds) {
      if (outage.Failed(e.message, !failed_before))
        spdlog::warn("Kafka at {} is failing a request; retrying for up to {} s ({}): {}", bootstrap,
                     retry.deadline.count() / 1000, retry.deadline_name, e.message);
      failed_before = true;
      if (between) between();
    });
    int64_t lasted_ms = 0;
    if (failed_before && outage.CallEnded(&lasted_ms) && r)
      spdlog::info("Kafka at {} answers again after {:.1f} s of failures", bootstrap, lasted_ms / 1000.0);
    return r;
  }
  std::atomic<bool> coordinators_ready{false};
  std::mutex coordinators_mu;
  // Why librdkafka could not log in (SASL or TLS), as its error callback reported it. A broker that
  // refuses the credentials looks like an unreachable one otherwise, which misleads the user.
  std::mutex login_mu;
  std::string login_failure;

  static bool IsLoginError(int err, const char* reason) {
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL ||
        err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED)
      return true;
    // A broker that rejects our certificate (or sends none we accept) ends the connection with a
    // TLS alert, which librdkafka reports as a transport error carrying OpenSSL's text.
    return err == RD_KAFKA_RESP_ERR__TRANSPORT && reason && std::strstr(reason, "SSL routines");
  }

  // Runs on the thread that calls rd_kafka_poll (LoginFailure below).
  static void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
    if (!IsLoginError(err, reason)) return;  // transient: librdkafka retries; the log callback has it
    auto* self = static_cast<Impl*>(opaque);
    std::lock_guard<std::mutex> lock(self->login_mu);
    self->login_failure = reason ? reason : rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err));
  }

  // The login error reported so far, as the error to give the user; nullopt when there is none.
  std::optional<Error> LoginFailure() {
    rd_kafka_poll(rk.get(), 0);  // serves the error callback
    std::lock_guard<std::mutex> lock(login_mu);
    if (login_failure.empty()) return std::nullopt;
    Error e;
    e.code = ErrorCode::kPermissionDenied;
    e.message = "could not log in to Kafka at " + bootstrap + ": " + login_failure +
                ": check the security section (security_protocol, sasl_mechanism, sasl_username, "
                "sasl_password, ssl_* files)";
    return e;
  }

  Error Unreachable(milliseconds waited) {
    if (auto login = LoginFailure()) return *login;
    Error e;
    e.code = ErrorCode::kUnavailable;
    e.retryable = true;
    e.message = "could not reach Kafka at " + bootstrap + " within " + Seconds(waited) +
                ": check bootstrap_servers and that the brokers are running";
    return e;
  }

  // Sends one admin request and waits for its result event. `call` receives the result queue
  // and the options (request timeout set; operation timeout too when `with_operation_timeout`).
  // `broker` >= 0 sends the request to that broker instead of the one librdkafka would pick.
  Result<EventPtr> Request(rd_kafka_admin_op_t op, const std::string& context,
                           const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
                           bool with_operation_timeout = false, std::optional<milliseconds> timeout = std::nullopt,
                           int32_t broker = -1) {
    const milliseconds request_timeout = timeout.value_or(options.request_timeout);
    QueuePtr queue(rd_kafka_queue_new(rk.get()));
    AdminOptionsPtr opts(rd_kafka_AdminOptions_new(rk.get(), op));
    char errstr[256] = "";
    if (broker >= 0 && rd_kafka_AdminOptions_set_broker(opts.get(), broker, errstr, sizeof errstr))
      return Fail(ErrorCode::kInvalidArgument, context + ": cannot choose broker " + std::to_string(broker) + ": " + errstr);
    if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), ToMs(request_timeout), errstr, sizeof errstr))
      return Fail(ErrorCode::kInvalidArgument, context + ": bad request timeout: " + errstr);
    if (with_operation_timeout &&
        rd_kafka_AdminOptions_set_operation_timeout(opts.get(), ToMs(request_timeout), errstr, sizeof errstr))
      return Fail(ErrorCode::kInvalidArgument, context + ": bad operation timeout: " + errstr);
    call(opts.get(), queue.get());
    // librdkafka enforces the request timeout itself; the margin only guards against a lost event.
    // Polled in slices so a stop request is seen: after one, the wait ends with the stop grace.
    const auto end = std::chrono::steady_clock::now() + request_timeout + milliseconds(5000);
    EventPtr ev;
    while (!ev) {
      const auto now = std::chrono::steady_clock::now();
      const auto until = std::min(end, StopGraceDeadline());
      if (now >= until) break;
      ev.reset(rd_kafka_queue_poll(queue.get(), ToMs(std::min<milliseconds>(
                                                    milliseconds(500), std::chrono::duration_cast<milliseconds>(until - now)))));
    }
    if (!ev && StopRequested())
      return Fail(ErrorCode::kCancelled, context + ": interrupted: no answer within the stop grace");
    if (!ev) return Fail(Unreachable(request_timeout).With(context));
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get());
    if (err) {
      if (IsUnreachable(err)) return Fail(Unreachable(request_timeout).With(context));
      return Fail(KafkaError(err, context, rd_kafka_event_error_string(ev.get())));
    }
    return ev;
  }

  // A CreateTopics or DeleteTopics request for one topic, retried through controller moves and
  // timeouts. A try that timed out may still have done its work, so `done_already` (the topic
  // exists / is unknown) after a failed try counts as success.
  Status ChangeTopic(rd_kafka_admin_op_t op, const std::string& context, rd_kafka_resp_err_t done_already,
                     const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
                     const std::function<const rd_kafka_topic_result_t**(rd_kafka_event_t*, size_t*)>& results) {
    int tries = 0;
    return Retry<void>([&]() -> Status {
      // librdkafka sends these to the controller it last heard of and refreshes that only with
      // metadata: after a broker died, a retry would wait for the dead one again.
      if (++tries > 1) AnsweringBroker();
      KB_ASSIGN_OR_RETURN(EventPtr ev, Request(op, context, call, true));
      size_t n = 0;
      const rd_kafka_topic_result_t** topics = results(ev.get(), &n);
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[i]);
        if (err == done_already && tries > 1) return {};
        if (err) return Fail(KafkaError(err, context, rd_kafka_topic_result_error_string(topics[i])));
      }
      return {};
    });
  }

  // A broker that answers now: the one that served a fresh metadata request (-1 when none did
  // within a few seconds). The request also refreshes librdkafka's view of the controller.
  int32_t AnsweringBroker() {
    MetadataPtr md;
    rd_kafka_resp_err_t err = MetadataInSlices(false, std::chrono::seconds(5), &md);
    return err || !md ? -1 : md->orig_broker_id;
  }

  // rd_kafka_metadata asked in slices of at most a second until `wait` or the stop grace ends, so
  // a stop request or a refused login ends the wait. *login_error is set when the login failed.
  rd_kafka_resp_err_t MetadataInSlices(bool all_topics, milliseconds wait, MetadataPtr* out,
                                       std::optional<Error>* login_error = nullptr) {
    const auto deadline = std::min(std::chrono::steady_clock::now() + wait, StopGraceDeadline());
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      const rd_kafka_metadata_t* raw = nullptr;
      rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), all_topics ? 1 : 0, nullptr, &raw,
                                                  ToMs(std::clamp(left, milliseconds(1), milliseconds(1000))));
      out->reset(raw);
      if (!err || !IsUnreachable(err) || left <= milliseconds(1000)) return err;
      if (login_error && (*login_error = LoginFailure())) return err;
    }
  }

  // Request() for a call that goes to `group`'s coordinator.
  Result<EventPtr> GroupRequest(rd_kafka_admin_op_t op, const std::string& group, const std::string& context,
                                const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call) {
    KB_TRY(EnsureGroupCoordinators(group));
    return Request(op, context, call);
  }

  // librdkafka 2.0.x aborts the process (rd_kafka_enq_once_del_source_return: `eonce->refcnt > 0')
  // when a coordinator admin request times out while its coordinator is still unknown and the
  // coordinator turns up later (librdkafka issue #4605). That is what happens on a cluster whose
  // __consumer_offsets is missing or leaderless: a fresh cluster, before its first group. So the
  // first group call of this client lets a consumer handle find the coordinator (its group code
  // retries cleanly, and the lookup makes the broker create __consumer_offsets), then waits until
  // every __consumer_offsets partition has a leader. Afterwards lookups answer at once.
  Status EnsureGroupCoordinators(const std::string& group) {
    if (coordinators_ready.load()) return {};
    std::lock_guard<std::mutex> lock(coordinators_mu);
    if (coordinators_ready.load()) return {};
    auto all_led = [](const ClusterMetadata& md) {
      auto it = md.topics.find("__consumer_offsets");
      if (it == md.topics.end() || it->second.partitions.empty()) return false;
      return std::all_of(it->second.partitions.begin(), it->second.partitions.end(),
                         [](const PartitionInfo& p) { return p.leader >= 0; });
    };
    KB_ASSIGN_OR_RETURN(ClusterMetadata md, FetchMetadata());
    if (!all_led(md)) {
      KB_TRY(FindCoordinatorWithConsumer(group));
      KB_TRY(WaitForMetadata(all_led, "every __consumer_offsets partition has a leader (group coordinators ready)"));
    }
    coordinators_ready = true;
    return {};
  }

  Status FindCoordinatorWithConsumer(const std::string& group) {
    const std::string context = "finding the coordinator of group=" + group;
    PropertyList forced = {{"group.id", group}, {"enable.auto.commit", "false"}, {"allow.auto.create.topics", "false"}};
    KB_ASSIGN_OR_RETURN(RdKafkaConfPtr conf, BuildRdKafkaConf(config, {}, forced));
    KB_ASSIGN_OR_RETURN(RdKafkaPtr consumer, NewClient(RD_KAFKA_CONSUMER, std::move(conf), "group coordinator lookup"));
    // Reading one committed offset needs the coordinator; the answer itself does not matter.
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), "__consumer_offsets", 0);
    rd_kafka_resp_err_t err = rd_kafka_committed(consumer.get(), list.get(), ToMs(options.request_timeout));
    if (!err) return {};
    if (IsUnreachable(err)) return Fail(Unreachable(options.request_timeout).With(context));
    return Fail(KafkaError(err, context));
  }

  // Cluster metadata. The first contact fails fast (metadata_timeout: a wrong address or login
  // should not wait out a long deadline); once the cluster has answered, requests are retried.
  Result<ClusterMetadata> FetchMetadata() {
    if (!reached.load()) return FetchMetadataOnce();
    return Retry<ClusterMetadata>([&] { return FetchMetadataOnce(); });
  }

  Result<ClusterMetadata> FetchMetadataOnce() {
    MetadataPtr md;
    std::optional<Error> login;
    rd_kafka_resp_err_t err = MetadataInSlices(true, options.metadata_timeout, &md, &login);
    if (login) return Fail(*login);
    if (err) {
      if (IsUnreachable(err)) return Fail(Unreachable(options.metadata_timeout));
      return Fail(KafkaError(err, "reading cluster metadata from " + bootstrap));
    }
    reached = true;
    for (int seen = most_brokers.load(); md->broker_cnt > seen && !most_brokers.compare_exchange_weak(seen, md->broker_cnt);) {
    }
    ClusterMetadata out;
    // The cluster id and controller come with the metadata just fetched; the short wait only
    // covers a broker that does not report them.
    RdStringPtr id(rd_kafka_clusterid(rk.get(), 1000), RdMemDeleter{rk.get()});
    if (id) out.cluster_id = id.get();
    out.controller_id = rd_kafka_controllerid(rk.get(), 1000);
    for (int i = 0; i < md->broker_cnt; ++i)
      out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
    std::sort(out.brokers.begin(), out.brokers.end(),
              [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; });
    for (int t = 0; t < md->topic_cnt; ++t) {
      const rd_kafka_metadata_topic_t& mt = md->topics[t];
      if (mt.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
      TopicInfo info;
      info.name = mt.topic;
      info.internal = info.name.rfind("__", 0) == 0;
      for (int p = 0; p < mt.partition_cnt; ++p) {
        const rd_kafka_metadata_partition_t& mp = mt.partitions[p];
        info.partitions.push_back({mp.id, mp.leader, mp.replica_cnt, mp.isr_cnt});
      }
      std::sort(info.partitions.begin(), info.partitions.end(),
                [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
      out.topics.emplace(info.name, std::move(info));
    }
    return out;
  }

  // Polls `check` until it says yes or the retry deadline passes: a normal wait (a leader
  // election, a new topic's partitions opening), not an outage, so it is quiet. `check` fails to
  // say why it is not there yet; the last such reason ends a timeout's message.
  Status WaitUntil(const std::function<Result<bool>()>& check, const std::string& what_we_wait_for) {
    auto deadline = std::chrono::steady_clock::now() + retry.deadline;
    for (;;) {
      Result<bool> done = check();
      if (done && *done) return {};
      if (StopRequested()) return Fail(ErrorCode::kCancelled, "interrupted while waiting until " + what_we_wait_for);
      if (std::chrono::steady_clock::now() >= deadline) {
        std::string why = done ? "" : ": last error: " + done.error().message;
        return Fail(ErrorCode::kUnavailable,
                    "timed out after " + Seconds(retry.deadline) + " (" + retry.deadline_name + ") waiting until " +
                        what_we_wait_for + why,
                    true);
      }
      SleepUnlessStopped(milliseconds(100));
    }
  }

  // Polls metadata until `done` says yes or the retry deadline passes.
  Status WaitForMetadata(const std::function<bool(const ClusterMetadata&)>& done,
                         const std::string& what_we_wait_for) {
    return WaitUntil(
        [&]() -> Result<bool> {
          KB_ASSIGN_OR_RETURN(ClusterMetadata md, FetchMetadata());
          return done(md);
        },
        what_we_wait_for);
  }

  // Fetches `topic`'s metadata into this client's cache, so the next try of a partition request
  // goes to the partition's current leader (librdkafka may otherwise keep asking the old one).
  void RefreshTopic(const std::string& topic) {
    TopicPtr rkt(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr));
    if (!rkt) return;
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_metadata(rk.get(), 0, rkt.get(), &md, ToMs(TryTimeout(kPartitionRequestTimeout)));
    if (md) rd_kafka_metadata_destroy(md);
  }

  // Whether fresh metadata shows `partition` of `topic`: then an unknown-topic answer only means
  // this client's cache lags behind (a topic just created), and a retry will do.
  bool PartitionExists(const std::string& topic, int32_t partition) {
    auto md = FetchMetadataOnce();
    if (!md) return false;
    auto it = md->topics.find(topic);
    if (it == md->topics.end()) return false;
    for (const auto& p : it->second.partitions)
      if (p.id == partition) return true;
    return false;
  }

  // Runs a request about partitions of `topic` under the retry policy, refreshing the topic's
  // metadata between tries. A "not found" answer is retried only while the cluster itself shows
  // `partition` (a lagging cache); a topic or partition that really is missing fails at once.
  template <typename T>
  Result<T> RetryPartitionRequest(const std::string& topic, int32_t partition, const std::function<Result<T>()>& attempt) {
    return Retry<T>(
        [&]() -> Result<T> {
          Result<T> r = attempt();
          if (!r && r.error().code == ErrorCode::kNotFound && PartitionExists(topic, partition)) {
            Error e = r.error();
            e.retryable = true;
            return Fail(e);
          }
          return r;
        },
        [&] { RefreshTopic(topic); }, &partition_retry);
  }
};

}  // namespace kb::kafka
