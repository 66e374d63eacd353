// AdminClient: cluster metadata, topics, offsets and consumer-group offsets of one Kafka cluster.
//
// Contract:
// - Every call is bounded. The first contact with the cluster fails fast (metadata_timeout: a wrong
//   address or login is reported within seconds). After that, every request is retried through
//   leader changes, broker restarts and coordinator moves (NOT_LEADER_FOR_PARTITION, timeouts,
//   COORDINATOR_NOT_AVAILABLE, ...) with backoff until KafkaClientConfig::retry_deadline, and then
//   fails naming what it waited for. Partition requests refresh the topic's metadata between tries,
//   so a retry goes to the new leader; "unknown topic or partition" is retried only while the
//   cluster itself shows the partition (a client cache that lags behind a topic just created).
// - No librdkafka call is trusted to keep its own timeout: each try waits a bounded slice
//   (partition requests kPartitionRequestTimeout, admin requests request_timeout), watermarks are
//   read without rd_kafka_query_watermark_offsets (see list_offsets.h), and waits are polled so a
//   stop request is seen: no retry starts after SIGINT/SIGTERM, and a wait in progress ends by
//   StopGraceDeadline() (core/stop.h).
// - Errors name what they were about (topic=, partition=, group=) and map librdkafka's codes:
//   missing topic/group -> kNotFound, TOPIC_ALREADY_EXISTS -> kAlreadyExists, authorization ->
//   kPermissionDenied, active group members -> kConflict, unreachable -> kUnavailable.
// - Group-offset calls report per-partition outcomes: the call fails only when the whole
//   request failed; a partition the broker refused carries its own error.
// - The first group call of a client makes sure group coordinators exist: on a fresh cluster it
//   waits (bounded) until __consumer_offsets has a leader on every partition, because a group
//   request that times out before its coordinator is known can abort inside librdkafka 2.0.x.
// - Thread-safe: librdkafka handles may be shared; each call uses its own result queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/outage.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace kb::kafka {

struct AdminOptions {
  std::chrono::milliseconds metadata_timeout{10000};    // one metadata request (and the first contact)
  std::chrono::milliseconds request_timeout{30000};     // one try of an admin request, broker lookup included
};

struct BrokerInfo {
  int32_t id = -1;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;  // -1: no leader right now
  int replica_count = 0;
  int isr_count = 0;
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // sorted by id
  bool internal = false;                  // __consumer_offsets, __transaction_state, ...
  int replication_factor() const { return partitions.empty() ? 0 : partitions.front().replica_count; }
};

struct ClusterMetadata {
  std::string cluster_id;   // "" when the broker does not report one
  int32_t controller_id = -1;
  std::vector<BrokerInfo> brokers;
  std::map<std::string, TopicInfo> topics;  // every topic the broker reports, internal included
};

// A topic's shape and the configuration set on it (not broker defaults): what a backup captures
// and a restore recreates.
struct TopicDescription {
  std::string name;
  int32_t partition_count = 0;
  int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;  // only DYNAMIC_TOPIC_CONFIG entries with a value
};

enum class GroupState { kUnknown, kPreparingRebalance, kCompletingRebalance, kStable, kDead, kEmpty };
// "Empty", "Stable", ...: Kafka's own spelling, as kafka-consumer-groups prints it.
const char* GroupStateName(GroupState state);

struct GroupListing {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  bool simple = false;  // offsets only, never joined with a protocol
};

struct GroupMember {
  std::string consumer_id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  std::vector<GroupMember> members;
  int32_t coordinator_id = -1;
  std::string coordinator_host;
  int coordinator_port = 0;
  std::string partition_assignor;
};

// The outcome for one partition of a multi-partition request.
struct PartitionOutcome {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;         // the offset written, or the new low watermark for DeleteRecords
  std::optional<Error> error;  // set when the broker refused this partition
};

class AdminClient {
 public:
  // The librdkafka client; does not contact the cluster (the first call does). Engines create
  // clients through a KafkaPort (port.h) instead.
  static Result<std::unique_ptr<AdminClient>> Create(const KafkaClientConfig& config,
                                                     AdminOptions options = {});
  virtual ~AdminClient() = default;
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Brokers, cluster id, controller, and every topic's partitions. Fails with kUnavailable
  // ("could not reach Kafka at host:port within 10 s: check bootstrap_servers") when no broker
  // answers within metadata_timeout.
  virtual Result<ClusterMetadata> Metadata() = 0;

  // Topic names, sorted; internal topics (names starting "__" or flagged internal) only when asked.
  virtual Result<std::vector<std::string>> ListTopics(bool include_internal = false) = 0;
  virtual Result<bool> TopicExists(const std::string& topic) = 0;
  // One topic's metadata; kNotFound when it does not exist.
  virtual Result<TopicInfo> DescribeTopic(const std::string& topic) = 0;

  // Creates a topic and returns once metadata shows every partition with a leader (waiting up to
  // the retry deadline).
  // replication_factor -1 = the broker default. kAlreadyExists if the topic exists.
  virtual Status CreateTopic(const std::string& topic, int32_t partitions, int16_t replication_factor,
                             const std::map<std::string, std::string>& configs = {}) = 0;
  // Deletes a topic and returns once metadata no longer lists it. kNotFound if it does not exist.
  virtual Status DeleteTopic(const std::string& topic) = 0;

  // Partition count, replication factor and the configs set on the topic itself.
  virtual Result<TopicDescription> DescribeTopicConfigs(const std::string& topic) = 0;

  virtual Result<WatermarkOffsets> Watermarks(const std::string& topic, int32_t partition) = 0;
  // The same for many partitions of one topic, in two requests per leader; fails as a whole,
  // naming the first partition that failed.
  virtual Result<std::map<int32_t, WatermarkOffsets>> TopicWatermarks(const std::string& topic,
                                                                      const std::vector<int32_t>& partitions) = 0;
  // For each partition, the earliest offset whose timestamp is >= the given ms; -1 if none.
  virtual Result<std::map<int32_t, int64_t>> OffsetsForTimes(const std::string& topic,
                                                             const std::map<int32_t, int64_t>& timestamps) = 0;
  // Deletes records before the given offsets (exclusive). Returns the new low watermarks; a
  // partition the broker refused fails the call with that partition named.
  virtual Result<std::map<int32_t, int64_t>> DeleteRecords(const std::string& topic,
                                                           const std::map<int32_t, int64_t>& before_offsets) = 0;

  virtual Result<std::vector<GroupListing>> ListConsumerGroups() = 0;
  // State, members and coordinator. A group that does not exist is described as kDead with no
  // members (what the broker answers), not an error.
  virtual Result<GroupDescription> DescribeConsumerGroup(const std::string& group) = 0;
  // Deletes a group with no active members (its committed offsets go with it).
  virtual Status DeleteConsumerGroup(const std::string& group) = 0;

  // Every committed offset of the group, sorted by topic then partition. Empty if none.
  virtual Result<std::vector<GroupOffset>> ListGroupOffsets(const std::string& group) = 0;
  // Commits offsets for a group through its coordinator. Fails as a whole only when the request
  // failed; partitions the broker refused (e.g. the group has active members: kConflict) carry
  // their error in the outcome.
  virtual Result<std::vector<PartitionOutcome>> AlterGroupOffsets(const std::string& group,
                                                                  const std::vector<GroupOffset>& offsets) = 0;
  // Removes the group's committed offsets for these partitions; outcomes as AlterGroupOffsets.
  virtual Result<std::vector<PartitionOutcome>> DeleteGroupOffsets(const std::string& group,
                                                                   const std::vector<TopicPartition>& partitions) = 0;

  // "127.0.0.1:9092,..." for messages.
  virtual const std::string& bootstrap() const = 0;
  // Calls of this client being retried right now (the cluster is failing them), for /health.
  virtual const OutageTracker& outage() const = 0;


 protected:
  AdminClient() = default;
};

}  // namespace kb::kafka
