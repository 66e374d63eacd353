// KafkaPort: how the engines reach a Kafka cluster. The engines create every client through a
// port, never through the librdkafka classes directly, so their logic (rolling, resume, gaps,
// the PITR window, the offset mapping) runs the same against a real broker and against the
// in-memory Kafka of the unit tests (tests/support/memory_kafka.h).
//
// AdminClient, PartitionConsumer and Producer are interfaces; their contracts (admin_client.h,
// consumer.h, producer.h) bind every implementation.
#pragma once

#include <memory>

#include "core/error.h"
#include "kafka/admin_client.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace kb::kafka {

class KafkaPort {
 public:
  virtual ~KafkaPort() = default;
  virtual Result<std::unique_ptr<AdminClient>> CreateAdmin(const KafkaClientConfig& config) = 0;
  virtual Result<std::unique_ptr<PartitionConsumer>> CreateConsumer(const KafkaClientConfig& config,
                                                                    ConsumerOptions options) = 0;
  virtual Result<std::unique_ptr<Producer>> CreateProducer(const KafkaClientConfig& config, ProducerOptions options,
                                                           DeliveryCallback on_delivery) = 0;
};

// The real clusters, through librdkafka (the Create functions of the three clients).
KafkaPort& LibrdkafkaPort();

}  // namespace kb::kafka
