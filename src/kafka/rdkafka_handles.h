// Internal to src/kafka: unique_ptr owners for librdkafka's C handles, the mapping of
// librdkafka error codes onto kb::Error, and client creation. Only src/kafka/*.cpp include this.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "core/error.h"
#include "kafka/client_config.h"

namespace kb::kafka {

// Calls the C destroy function `Fn` on a non-null pointer.
template <auto Fn>
struct RdDeleter {
  template <typename T>
  void operator()(T* p) const {
    if (p) Fn(p);
  }
};

// Destroys a client handle; a consumer is closed first so it leaves cleanly.
struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const;
};

using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, RdDeleter<rd_kafka_topic_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, RdDeleter<rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, RdDeleter<rd_kafka_event_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, RdDeleter<rd_kafka_message_destroy>>;
using PartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter<rd_kafka_topic_partition_list_destroy>>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, RdDeleter<rd_kafka_headers_destroy>>;
using RdErrorPtr = std::unique_ptr<rd_kafka_error_t, RdDeleter<rd_kafka_error_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, RdDeleter<rd_kafka_metadata_destroy>>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, RdDeleter<rd_kafka_AdminOptions_destroy>>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, RdDeleter<rd_kafka_NewTopic_destroy>>;
using DeleteTopicPtr = std::unique_ptr<rd_kafka_DeleteTopic_t, RdDeleter<rd_kafka_DeleteTopic_destroy>>;
using ConfigResourcePtr =
    std::unique_ptr<rd_kafka_ConfigResource_t, RdDeleter<rd_kafka_ConfigResource_destroy>>;
using DeleteRecordsPtr =
    std::unique_ptr<rd_kafka_DeleteRecords_t, RdDeleter<rd_kafka_DeleteRecords_destroy>>;
using DeleteGroupPtr = std::unique_ptr<rd_kafka_DeleteGroup_t, RdDeleter<rd_kafka_DeleteGroup_destroy>>;
using ListGroupOffsetsPtr = std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                                            RdDeleter<rd_kafka_ListConsumerGroupOffsets_destroy>>;
using AlterGroupOffsetsPtr = std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                                             RdDeleter<rd_kafka_AlterConsumerGroupOffsets_destroy>>;
using DeleteGroupOffsetsPtr = std::unique_ptr<rd_kafka_DeleteConsumerGroupOffsets_t,
                                              RdDeleter<rd_kafka_DeleteConsumerGroupOffsets_destroy>>;

// Frees a string librdkafka allocated for `rk` (e.g. rd_kafka_clusterid's result).
struct RdMemDeleter {
  rd_kafka_t* rk;
  void operator()(char* p) const {
    if (p) rd_kafka_mem_free(rk, p);
  }
};
using RdStringPtr = std::unique_ptr<char, RdMemDeleter>;

// True when the same request may succeed later: broker down, leader moving, coordinator loading,
// local or remote timeouts.
bool IsRetryable(rd_kafka_resp_err_t err);

// An Error for a librdkafka error code: code mapped (unreachable -> kUnavailable, unknown topic ->
// kNotFound, authorization -> kPermissionDenied, ...), `retryable` set by IsRetryable, message
// "<context>: <detail or librdkafka's description> (<ERROR_NAME>)".
Error KafkaError(rd_kafka_resp_err_t err, const std::string& context, const char* detail = nullptr);

// Routes librdkafka's log lines to spdlog (errors as warnings, chatter as debug).
void InstallLogCallback(rd_kafka_conf_t* conf);

// Creates a client of `type`; on success librdkafka owns `conf`.
Result<RdKafkaPtr> NewClient(rd_kafka_type_t type, RdKafkaConfPtr conf, const std::string& what);

// "topic=t partition=p": the context prefix every per-partition message uses.
std::string PartitionContext(const std::string& topic, int32_t partition);

}  // namespace kb::kafka
