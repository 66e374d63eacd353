#include "kafka/admin_client.h"

#include "kafka/admin_impl.h"

namespace kb::kafka {

RdKafkaAdminClient::RdKafkaAdminClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RdKafkaAdminClient::~RdKafkaAdminClient() = default;

Result<std::unique_ptr<AdminClient>> AdminClient::Create(const KafkaClientConfig& config,
                                                         AdminOptions options) {
  // Metadata requests for named topics must never create them on the broker.
  PropertyList forced = {{"allow.auto.create.topics", "false"}};
  KB_ASSIGN_OR_RETURN(RdKafkaConfPtr conf, BuildRdKafkaConf(config, {}, forced));
  auto impl = std::make_unique<RdKafkaAdminClient::Impl>();
  rd_kafka_conf_set_opaque(conf.get(), impl.get());
  rd_kafka_conf_set_error_cb(conf.get(), &RdKafkaAdminClient::Impl::OnError);
  KB_ASSIGN_OR_RETURN(impl->rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf), "admin client"));
  impl->options = options;
  impl->retry = RetryPolicy::UntilDeadline(config.retry_deadline, "retry_deadline_ms of the Kafka cluster");
  impl->partition_retry = impl->retry;
  impl->partition_retry.initial_backoff = std::chrono::milliseconds(25);
  impl->config = config;
  impl->bootstrap = BootstrapList(config);
  return std::unique_ptr<AdminClient>(new RdKafkaAdminClient(std::move(impl)));
}

const std::string& RdKafkaAdminClient::bootstrap() const { return impl_->bootstrap; }

const OutageTracker& RdKafkaAdminClient::outage() const { return impl_->outage; }

Result<ClusterMetadata> RdKafkaAdminClient::Metadata() { return impl_->FetchMetadata(); }

Result<std::vector<std::string>> RdKafkaAdminClient::ListTopics(bool include_internal) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  std::vector<std::string> names;
  for (const auto& [name, info] : md.topics)
    if (include_internal || !info.internal) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Result<bool> RdKafkaAdminClient::TopicExists(const std::string& topic) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  return md.topics.count(topic) > 0;
}

Result<TopicInfo> RdKafkaAdminClient::DescribeTopic(const std::string& topic) {
  KB_ASSIGN_OR_RETURN(ClusterMetadata md, impl_->FetchMetadata());
  auto it = md.topics.find(topic);
  if (it == md.topics.end())
    return Fail(ErrorCode::kNotFound, "topic=" + topic + " does not exist in the cluster at " + impl_->bootstrap);
  return it->second;
}

Status RdKafkaAdminClient::CreateTopic(const std::string& topic, int32_t partitions, int16_t replication_factor,
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
  int32_t shown = 0;
  KB_TRY(impl_->WaitForMetadata(
      [&](const ClusterMetadata& md) {
        auto it = md.topics.find(topic);
        if (it == md.topics.end()) return false;
        const auto& parts = it->second.partitions;
        if (parts.empty() || (partitions > 0 && static_cast<int32_t>(parts.size()) != partitions)) return false;
        shown = static_cast<int32_t>(parts.size());
        return std::all_of(parts.begin(), parts.end(), [](const PartitionInfo& p) { return p.leader >= 0; });
      },
      "every partition of topic=" + topic + " has a leader"));
  return WaitUntilLogsOpen(topic, shown);
}

// Metadata names a new partition's leader before that leader has opened the partition's log (a
// broker opens a new topic's logs one by one: 64 of them took 1.3 s here). A produce in between
// is refused with NOT_LEADER_OR_FOLLOWER, and librdkafka 2.0's idempotent producer was seen to
// report such a partition's first record delivered, without an offset, although the broker never
// wrote it. A partition whose leader answers ListOffsets has its log open.
Status RdKafkaAdminClient::WaitUntilLogsOpen(const std::string& topic, int32_t partitions) {
  return impl_->WaitUntil(
      [&]() -> Result<bool> {
        PartitionListPtr list = NewPartitionList(static_cast<size_t>(partitions));
        for (int32_t p = 0; p < partitions; ++p)
          rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
        rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(impl_->rk.get(), list.get(), ToMs(TryTimeout(kPartitionRequestTimeout)));
        int32_t closed = 0;
        for (int i = 0; i < list->cnt; ++i) closed += list->elems[i].err ? 1 : 0;
        if (!err && closed == 0) return true;
        return Fail(ErrorCode::kUnavailable,
                    std::to_string(closed > 0 ? closed : partitions) + " of " + std::to_string(partitions) +
                        " not open (" + rd_kafka_err2str(err ? err : RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) + ")");
      },
      "the leaders of topic=" + topic + " have opened its partitions");
}

Status RdKafkaAdminClient::DeleteTopic(const std::string& topic) {
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

Result<TopicDescription> RdKafkaAdminClient::DescribeTopicConfigs(const std::string& topic) {
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

Result<WatermarkOffsets> RdKafkaAdminClient::Watermarks(const std::string& topic, int32_t partition) {
  KB_ASSIGN_OR_RETURN(auto w, TopicWatermarks(topic, {partition}));
  return w.at(partition);
}

Result<std::map<int32_t, WatermarkOffsets>> RdKafkaAdminClient::TopicWatermarks(const std::string& topic,
                                                                          const std::vector<int32_t>& partitions) {
  std::map<int32_t, WatermarkOffsets> out;
  if (partitions.empty()) return out;
  using Marks = std::map<int32_t, WatermarkOffsets>;
  return impl_->RetryPartitionRequest<Marks>(topic, partitions.front(), [&]() -> Result<Marks> {
    std::vector<WatermarkOffsets> w;
    int32_t failed = partitions.front();
    rd_kafka_resp_err_t err =
        QueryOffsetBounds(impl_->rk.get(), topic, partitions, TryTimeout(kPartitionRequestTimeout), &w, &failed);
    const std::string context = "reading the watermarks of " + PartitionContext(topic, failed);
    if (IsUnreachable(err))
      return Fail(ErrorCode::kUnavailable,
                  context + ": no answer from the partition's leader within " + Seconds(kPartitionRequestTimeout), true);
    if (err) return Fail(KafkaError(err, context));
    Marks found;
    for (size_t i = 0; i < partitions.size(); ++i) found[partitions[i]] = w[i];
    return found;
  });
}

Result<std::map<int32_t, int64_t>> RdKafkaAdminClient::OffsetsForTimes(const std::string& topic,
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

Result<std::map<int32_t, int64_t>> RdKafkaAdminClient::DeleteRecords(const std::string& topic,
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

}  // namespace kb::kafka
