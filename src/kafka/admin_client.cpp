#include "kafka/admin_client.h"

#include <algorithm>
#include <atomic>
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
#include "kafka/list_offsets.h"
#include "kafka/rdkafka_handles.h"

namespace kb::kafka {

namespace {

using std::chrono::milliseconds;

int ToMs(milliseconds d) { return static_cast<int>(std::min<int64_t>(d.count(), INT32_MAX)); }

// One try of a partition-level request (offsets, metadata of one topic). A healthy leader answers
// in milliseconds; a dead one never does, and the next try goes to the new leader.
constexpr milliseconds kPartitionRequestTimeout{3000};

// One try of listing consumer groups. librdkafka asks every broker it ever knew, and waits for a
// broker that is down until this timeout; live brokers answer in milliseconds.
constexpr milliseconds kListGroupsTimeout{5000};

// How long one try may wait: `limit`, but never past the stop grace (at least 1 ms).
milliseconds TryTimeout(milliseconds limit) {
  auto left = std::chrono::duration_cast<milliseconds>(StopGraceDeadline() - std::chrono::steady_clock::now());
  return std::clamp(left, milliseconds(1), limit);
}

// "10 s" or "1.5 s", for messages about waits.
std::string Seconds(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

bool IsUnreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE ||
         err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
}

GroupState ToGroupState(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: return GroupState::kPreparingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: return GroupState::kCompletingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return GroupState::kStable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return GroupState::kDead;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return GroupState::kEmpty;
    default: return GroupState::kUnknown;
  }
}

// An Error from a rd_kafka_error_t (owned by the result event).
Error FromRdError(const rd_kafka_error_t* e, const std::string& context) {
  return KafkaError(rd_kafka_error_code(e), context, rd_kafka_error_string(e));
}

PartitionListPtr NewPartitionList(size_t n) {
  return PartitionListPtr(rd_kafka_topic_partition_list_new(static_cast<int>(std::max<size_t>(n, 1))));
}

// Per-partition outcomes from a group result's partition list.
std::vector<PartitionOutcome> Outcomes(const rd_kafka_topic_partition_list_t* parts,
                                       const std::string& group) {
  std::vector<PartitionOutcome> out;
  if (!parts) return out;
  for (int i = 0; i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = parts->elems[i];
    PartitionOutcome o{p.topic, p.partition, p.offset, std::nullopt};
    if (p.err)
      o.error = KafkaError(p.err, "group=" + group + " " + PartitionContext(p.topic, p.partition));
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const PartitionOutcome& a, const PartitionOutcome& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

// Per-partition outcomes of a group request's results; a whole-group error fails the call.
Result<std::vector<PartitionOutcome>> GroupOutcomes(const rd_kafka_group_result_t** results, size_t n,
                                                    const std::string& group, const std::string& context) {
  std::vector<PartitionOutcome> out;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
    auto part = Outcomes(rd_kafka_group_result_partitions(results[i]), group);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Runs `attempt` under the retry policy. A partial answer whose refused partitions all failed
// for retryable reasons (coordinator loading or moving) is tried again; when the budget is
// spent, the last answer is returned as it is, per-partition errors included.
using OutcomeRetry = std::function<Result<std::vector<PartitionOutcome>>(
    const std::function<Result<std::vector<PartitionOutcome>>()>&)>;
Result<std::vector<PartitionOutcome>> RetryOutcomes(
    const OutcomeRetry& retry, const std::function<Result<std::vector<PartitionOutcome>>()>& attempt) {
  std::optional<std::vector<PartitionOutcome>> last;
  auto r = retry([&]() -> Result<std::vector<PartitionOutcome>> {
    last.reset();
    KB_ASSIGN_OR_RETURN(auto outcomes, attempt());
    for (const auto& o : outcomes) {
      if (o.error && o.error->retryable) {
        last = outcomes;
        return Fail(*o.error);
      }
    }
    return outcomes;
  });
  if (!r && last) return *last;
  return r;
}

}  // namespace

const char* GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
    case GroupState::kDead: return "Dead";
    case GroupState::kEmpty: return "Empty";
    case GroupState::kUnknown: break;
  }
  return "Unknown";
}

struct AdminClient::Impl {
  AdminOptions options;
  KafkaClientConfig config;
  std::string bootstrap;
  RdKafkaPtr rk;
  RetryPolicy retry;                // rides out leader changes, restarts, coordinator moves
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
  Result<T> Retry(const std::function<Result<T>()>& attempt, const std::function<void()>& between = {}) {
    bool failed_before = false;
    Result<T> r = retry.Run<T>(attempt, [&](const Error& e, int, milliseconds) {
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

  // Polls metadata until `done` says yes or the retry deadline passes (a leader election during
  // a broker restart can take a while).
  Status WaitForMetadata(const std::function<bool(const ClusterMetadata&)>& done,
                         const std::string& what_we_wait_for) {
    auto deadline = std::chrono::steady_clock::now() + retry.deadline;
    for (;;) {
      auto md = FetchMetadata();
      if (md && done(*md)) return {};
      if (StopRequested()) return Fail(ErrorCode::kCancelled, "interrupted while waiting until " + what_we_wait_for);
      if (std::chrono::steady_clock::now() >= deadline) {
        std::string why = md ? "" : ": last error: " + md.error().message;
        return Fail(ErrorCode::kUnavailable,
                    "timed out after " + Seconds(retry.deadline) + " (" + retry.deadline_name + ") waiting until " +
                        what_we_wait_for + why,
                    true);
      }
      SleepUnlessStopped(milliseconds(100));
    }
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
        [&] { RefreshTopic(topic); });
  }
};

AdminClient::AdminClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdminClient::~AdminClient() = default;

Result<std::unique_ptr<AdminClient>> AdminClient::Create(const KafkaClientConfig& config,
                                                         AdminOptions options) {
  // Metadata requests for named topics must never create them on the broker.
  PropertyList forced = {{"allow.auto.create.topics", "false"}};
  KB_ASSIGN_OR_RETURN(RdKafkaConfPtr conf, BuildRdKafkaConf(config, {}, forced));
  auto impl = std::make_unique<Impl>();
  rd_kafka_conf_set_opaque(conf.get(), impl.get());
  rd_kafka_conf_set_error_cb(conf.get(), &Impl::OnError);
  KB_ASSIGN_OR_RETURN(impl->rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf), "admin client"));
  impl->options = options;
  impl->retry = RetryPolicy::UntilDeadline(config.retry_deadline, "retry_deadline_ms of the Kafka cluster");
  impl->config = config;
  impl->bootstrap = BootstrapList(config);
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(impl)));
}

const std::string& AdminClient::bootstrap() const { return impl_->bootstrap; }

const OutageTracker& AdminClient::outage() const { return impl_->outage; }

Result<ClusterMetadata> AdminClient::Metadata() { return impl_->FetchMetadata(); }

Result<std::vector<std::string>> AdminClient::ListTopics(bool include_internal) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  std::vector<std::string> names;
  for (const auto& [name, info] : md.topics)
    if (include_internal || !info.internal) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Result<bool> AdminClient::TopicExists(const std::string& topic) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  return md.topics.count(topic) > 0;
}

Result<TopicInfo> AdminClient::DescribeTopic(const std::string& topic) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  auto it = md.topics.find(topic);
  if (it == md.topics.end())
    return Fail(ErrorCode::kNotFound, "topic=" + topic + " does not exist in the cluster at " + impl_->bootstrap);
  return it->second;
}

Status AdminClient::CreateTopic(const std::string& topic, int32_t partitions, int16_t replication_factor,
                                const std::map<std::string, std::string>& configs) {
  const std::string context = "creating topic=" + topic;
  char errstr[512] = "";
  NewTopicPtr nt(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  if (!nt) return Fail(ErrorCode::kInvalidArgument, context + ": " + errstr);
  for (const auto& [name, value] : configs) {
    if (rd_kafka_NewTopic_set_config(nt.get(), name.c_str(), value.c_str()))
      return Fail(ErrorCode::kInvalidArgument, context + ": config " + name + " was refused");
  }
  KB_TRY(impl_->ChangeTopic(RD_KAFKA_ADMIN_OP_CREATETOPICS, context, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                            [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                              rd_kafka_NewTopic_t* arr[] = {nt.get()};
                              rd_kafka_CreateTopics(impl_->rk.get(), arr, 1, o, q);
                            },
                            [](rd_kafka_event_t* ev, size_t* n) {
                              return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
                            }));
  return impl_->WaitForMetadata(
      [&](const ClusterMetadata& md) {
        auto it = md.topics.find(topic);
        if (it == md.topics.end()) return false;
        const auto& parts = it->second.partitions;
        if (parts.empty() || (partitions > 0 && static_cast<int32_t>(parts.size()) != partitions)) return false;
        return std::all_of(parts.begin(), parts.end(), [](const PartitionInfo& p) { return p.leader >= 0; });
      },
      "every partition of topic=" + topic + " has a leader");
}

Status AdminClient::DeleteTopic(const std::string& topic) {
  const std::string context = "deleting topic=" + topic;
  DeleteTopicPtr dt(rd_kafka_DeleteTopic_new(topic.c_str()));
  KB_TRY(impl_->ChangeTopic(RD_KAFKA_ADMIN_OP_DELETETOPICS, context, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                            [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                              rd_kafka_DeleteTopic_t* arr[] = {dt.get()};
                              rd_kafka_DeleteTopics(impl_->rk.get(), arr, 1, o, q);
                            },
                            [](rd_kafka_event_t* ev, size_t* n) {
                              return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
                            }));
  return impl_->WaitForMetadata([&](const ClusterMetadata& md) { return md.topics.count(topic) == 0; },
                                "topic=" + topic + " is gone from the cluster metadata");
}

Result<TopicDescription> AdminClient::DescribeTopicConfigs(const std::string& topic) {
  KB_ASSIGN_OR_RETURN(TopicInfo info, DescribeTopic(topic));
  TopicDescription out;
  out.name = topic;
  out.partition_count = static_cast<int32_t>(info.partitions.size());
  out.replication_factor = static_cast<int16_t>(info.replication_factor());
  const std::string context = "describing the configs of topic=" + topic;
  auto configs = impl_->Retry<std::map<std::string, std::string>>(
      [&]() -> Result<std::map<std::string, std::string>> {
        ConfigResourcePtr res(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
        // librdkafka sends this to the controller it last heard of, which may be the broker that
        // just died (it then waits for it until the request times out, try after try). Any broker
        // answers for a topic: ask one that is up.
        const int32_t broker = impl_->AnsweringBroker();
        KB_ASSIGN_OR_RETURN(EventPtr ev,
                            impl_->Request(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, context,
                                           [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                             rd_kafka_ConfigResource_t* arr[] = {res.get()};
                                             rd_kafka_DescribeConfigs(impl_->rk.get(), arr, 1, o, q);
                                           },
                                           false, std::nullopt, broker));
        size_t n = 0;
        const rd_kafka_ConfigResource_t** resources =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
        std::map<std::string, std::string> found;
        for (size_t i = 0; i < n; ++i) {
          if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]))
            return Fail(KafkaError(err, context, rd_kafka_ConfigResource_error_string(resources[i])));
          size_t entry_count = 0;
          const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &entry_count);
          for (size_t e = 0; e < entry_count; ++e) {
            // Only what was set on this topic: broker-wide settings belong to the cluster, not
            // to the topic, and would be wrong on another cluster.
            if (rd_kafka_ConfigEntry_source(entries[e]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
            const char* value = rd_kafka_ConfigEntry_value(entries[e]);
            if (!value) continue;  // sensitive: the broker does not reveal it
            found[rd_kafka_ConfigEntry_name(entries[e])] = value;
          }
        }
        return found;
      });
  if (!configs) return Fail(configs.error());
  out.configs = std::move(*configs);
  return out;
}

Result<WatermarkOffsets> AdminClient::Watermarks(const std::string& topic, int32_t partition) {
  const std::string context = "reading the watermarks of " + PartitionContext(topic, partition);
  return impl_->RetryPartitionRequest<WatermarkOffsets>(topic, partition, [&]() -> Result<WatermarkOffsets> {
    WatermarkOffsets w;
    rd_kafka_resp_err_t err = QueryOffsetBounds(impl_->rk.get(), topic, partition, TryTimeout(kPartitionRequestTimeout), &w);
    if (IsUnreachable(err))
      return Fail(ErrorCode::kUnavailable,
                  context + ": no answer from the partition's leader within " + Seconds(kPartitionRequestTimeout), true);
    if (err) return Fail(KafkaError(err, context));
    return w;
  });
}

Result<std::map<int32_t, int64_t>> AdminClient::OffsetsForTimes(const std::string& topic,
                                                                const std::map<int32_t, int64_t>& timestamps) {
  std::map<int32_t, int64_t> out;
  if (timestamps.empty()) return out;
  const std::string context = "looking up offsets by timestamp in topic=" + topic;
  return impl_->RetryPartitionRequest<std::map<int32_t, int64_t>>(
      topic, timestamps.begin()->first, [&]() -> Result<std::map<int32_t, int64_t>> {
        PartitionListPtr list = NewPartitionList(timestamps.size());
        for (const auto& [partition, ts] : timestamps)
          rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = ts;
        rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(impl_->rk.get(), list.get(), ToMs(TryTimeout(kPartitionRequestTimeout)));
        if (IsUnreachable(err))
          return Fail(ErrorCode::kUnavailable,
                      context + ": no answer from the partitions' leaders within " + Seconds(kPartitionRequestTimeout),
                      true);
        if (err) return Fail(KafkaError(err, context));
        std::map<int32_t, int64_t> found;
        for (int i = 0; i < list->cnt; ++i) {
          const rd_kafka_topic_partition_t& p = list->elems[i];
          if (p.err)
            return Fail(KafkaError(p.err, "looking up the offset for timestamp " +
                                              std::to_string(timestamps.at(p.partition)) + " in " +
                                              PartitionContext(topic, p.partition)));
          found[p.partition] = p.offset < 0 ? -1 : p.offset;
        }
        return found;
      });
}

Result<std::map<int32_t, int64_t>> AdminClient::DeleteRecords(const std::string& topic,
                                                              const std::map<int32_t, int64_t>& before_offsets) {
  std::map<int32_t, int64_t> out;
  if (before_offsets.empty()) return out;
  const std::string context = "deleting records of topic=" + topic;
  return impl_->RetryPartitionRequest<std::map<int32_t, int64_t>>(
      topic, before_offsets.begin()->first, [&]() -> Result<std::map<int32_t, int64_t>> {
    PartitionListPtr list = NewPartitionList(before_offsets.size());
    for (const auto& [partition, offset] : before_offsets)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    DeleteRecordsPtr del(rd_kafka_DeleteRecords_new(list.get()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->Request(RD_KAFKA_ADMIN_OP_DELETERECORDS, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_DeleteRecords_t* arr[] = {del.get()};
                                                      rd_kafka_DeleteRecords(impl_->rk.get(), arr, 1, o, q);
                                                    },
                                                    true));
    const rd_kafka_topic_partition_list_t* result =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev.get()));
    std::map<int32_t, int64_t> low;
    for (int i = 0; result && i < result->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = result->elems[i];
      if (p.err) return Fail(KafkaError(p.err, "deleting records of " + PartitionContext(topic, p.partition)));
      low[p.partition] = p.offset;
    }
    return low;
  });
}

Result<std::vector<GroupListing>> AdminClient::ListConsumerGroups() {
  return impl_->Retry<std::vector<GroupListing>>([&]() -> Result<std::vector<GroupListing>> {
    KB_ASSIGN_OR_RETURN(EventPtr ev,
                        impl_->Request(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing consumer groups",
                                       [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_ListConsumerGroups(impl_->rk.get(), o, q);
                                       },
                                       false, kListGroupsTimeout));
    const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(ev.get());
    size_t n_errors = 0;
    const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n_errors);
    // A broker that did not answer may mean a partial list; callers snapshot from this, so such an
    // answer is retried, unless only brokers that have left the cluster failed to answer.
    if (n_errors > 0 && !impl_->ListingCompleteWithout(n_errors)) {
      Error e = FromRdError(errors[0], "listing consumer groups (" + std::to_string(n_errors) +
                                           " broker(s) did not answer)");
      e.retryable = true;
      return Fail(e);
    }
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
    std::vector<GroupListing> groups;
    for (size_t i = 0; i < n; ++i)
      groups.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                        ToGroupState(rd_kafka_ConsumerGroupListing_state(valid[i])),
                        rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
    std::sort(groups.begin(), groups.end(),
              [](const GroupListing& a, const GroupListing& b) { return a.group_id < b.group_id; });
    return groups;
  });
}

Result<GroupDescription> AdminClient::DescribeConsumerGroup(const std::string& group) {
  const std::string context = "describing group=" + group;
  return impl_->Retry<GroupDescription>([&]() -> Result<GroupDescription> {
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      const char* groups[] = {group.c_str()};
                                                      rd_kafka_DescribeConsumerGroups(impl_->rk.get(), groups, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** descs =
        rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
    if (n == 0) return Fail(ErrorCode::kInternal, context + ": the broker returned no description");
    const rd_kafka_ConsumerGroupDescription_t* d = descs[0];
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d)) return Fail(FromRdError(e, context));
    GroupDescription out;
    out.group_id = rd_kafka_ConsumerGroupDescription_group_id(d);
    out.state = ToGroupState(rd_kafka_ConsumerGroupDescription_state(d));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d)) out.partition_assignor = assignor;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
      out.coordinator_id = rd_kafka_Node_id(node);
      if (const char* host = rd_kafka_Node_host(node)) out.coordinator_host = host;
      out.coordinator_port = rd_kafka_Node_port(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
    for (size_t i = 0; i < members; ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
      if (!m) continue;
      GroupMember member;
      if (const char* s = rd_kafka_MemberDescription_consumer_id(m)) member.consumer_id = s;
      if (const char* s = rd_kafka_MemberDescription_client_id(m)) member.client_id = s;
      if (const char* s = rd_kafka_MemberDescription_host(m)) member.host = s;
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
        if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a)) {
          for (int p = 0; p < parts->cnt; ++p)
            member.assignment.push_back({parts->elems[p].topic, parts->elems[p].partition});
        }
      }
      out.members.push_back(std::move(member));
    }
    return out;
  });
}

Status AdminClient::DeleteConsumerGroup(const std::string& group) {
  const std::string context = "deleting group=" + group;
  return impl_->Retry<void>([&]() -> Status {
    DeleteGroupPtr dg(rd_kafka_DeleteGroup_new(group.c_str()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DELETEGROUPS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_DeleteGroup_t* arr[] = {dg.get()};
                                                      rd_kafka_DeleteGroups(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &n);
    for (size_t i = 0; i < n; ++i)
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
    return {};
  });
}

Result<std::vector<GroupOffset>> AdminClient::ListGroupOffsets(const std::string& group) {
  const std::string context = "listing committed offsets of group=" + group;
  return impl_->Retry<std::vector<GroupOffset>>([&]() -> Result<std::vector<GroupOffset>> {
    // No partitions given: the coordinator returns every committed offset of the group.
    ListGroupOffsetsPtr req(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_ListConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_ListConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &n);
    std::vector<GroupOffset> out;
    for (size_t i = 0; i < n; ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[i]);
      for (int p = 0; parts && p < parts->cnt; ++p) {
        const rd_kafka_topic_partition_t& tp = parts->elems[p];
        if (tp.err) return Fail(KafkaError(tp.err, context + " " + PartitionContext(tp.topic, tp.partition)));
        if (tp.offset < 0) continue;  // no committed offset
        GroupOffset go{tp.topic, tp.partition, tp.offset, ""};
        if (tp.metadata && tp.metadata_size > 0)
          go.metadata.assign(static_cast<const char*>(tp.metadata), tp.metadata_size);
        out.push_back(std::move(go));
      }
    }
    std::sort(out.begin(), out.end(), [](const GroupOffset& a, const GroupOffset& b) {
      return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
    return out;
  });
}

Result<std::vector<PartitionOutcome>> AdminClient::AlterGroupOffsets(const std::string& group,
                                                                     const std::vector<GroupOffset>& offsets) {
  if (offsets.empty()) return std::vector<PartitionOutcome>{};
  const std::string context = "committing offsets for group=" + group;
  auto retry = [this](const auto& f) { return impl_->Retry<std::vector<PartitionOutcome>>(f); };
  return RetryOutcomes(retry, [&]() -> Result<std::vector<PartitionOutcome>> {
    PartitionListPtr list = NewPartitionList(offsets.size());
    for (const auto& o : offsets) {
      rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition);
      tp->offset = o.offset;
      if (!o.metadata.empty()) {
        // The list frees metadata with free(), so it must come from malloc.
        tp->metadata = std::malloc(o.metadata.size());
        std::memcpy(tp->metadata, o.metadata.data(), o.metadata.size());
        tp->metadata_size = o.metadata.size();
      }
    }
    AlterGroupOffsetsPtr req(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_AlterConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_AlterConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &n);
    return GroupOutcomes(results, n, group, context);
  });
}

Result<std::vector<PartitionOutcome>> AdminClient::DeleteGroupOffsets(const std::string& group,
                                                                      const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return std::vector<PartitionOutcome>{};
  const std::string context = "deleting committed offsets of group=" + group;
  auto retry = [this](const auto& f) { return impl_->Retry<std::vector<PartitionOutcome>>(f); };
  return RetryOutcomes(retry, [&]() -> Result<std::vector<PartitionOutcome>> {
    PartitionListPtr list = NewPartitionList(partitions.size());
    for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    DeleteGroupOffsetsPtr req(rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_DeleteConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_DeleteConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev.get()), &n);
    return GroupOutcomes(results, n, group, context);
  });
}

}  // namespace kb::kafka
