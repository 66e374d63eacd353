#include "kafka/port.h"

namespace kb::kafka {
namespace {

class Librdkafka final : public KafkaPort {
 public:
  Result<std::unique_ptr<AdminClient>> CreateAdmin(const KafkaClientConfig& config) override {
    return AdminClient::Create(config);
  }
  Result<std::unique_ptr<PartitionConsumer>> CreateConsumer(const KafkaClientConfig& config,
                                                            ConsumerOptions options) override {
    return PartitionConsumer::Create(config, std::move(options));
  }
  Result<std::unique_ptr<Producer>> CreateProducer(const KafkaClientConfig& config, ProducerOptions options,
                                                   DeliveryCallback on_delivery) override {
    return Producer::Create(config, std::move(options), std::move(on_delivery));
  }
};

}  // namespace

KafkaPort& LibrdkafkaPort() {
  static Librdkafka port;
  return port;
}

}  // namespace kb::kafka
