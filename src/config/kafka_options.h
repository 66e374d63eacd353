// Turns a config `source:`/`target:` section, or CLI flags, into a Kafka client config.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "kafka/client_config.h"

namespace kb {

kafka::KafkaClientConfig ToKafkaClientConfig(const ClusterSection& section);

// "a:1,b:2" -> {"a:1","b:2"}; kInvalidArgument on an empty list or an entry without a port.
Result<std::vector<std::string>> ParseBootstrapServers(const std::string& list);

// "key=value" entries (-X flags) -> properties; kInvalidArgument naming a malformed entry.
Status ParseKafkaProperties(const std::vector<std::string>& entries, std::map<std::string, std::string>* out);

}  // namespace kb
