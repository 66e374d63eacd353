// Turns a config `source:`/`target:` section, or CLI flags, into a Kafka client config, and a
// section's topic selection into the cluster's topics.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "kafka/admin_client.h"
#include "kafka/client_config.h"

namespace kb {

kafka::KafkaClientConfig ToKafkaClientConfig(const ClusterSection& section);

// "a:1,b:2" -> {"a:1","b:2"}; kInvalidArgument on an empty list or an entry without a port.
Result<std::vector<std::string>> ParseBootstrapServers(const std::string& list);

// "key=value" entries (-X flags) -> properties; kInvalidArgument naming a malformed entry.
Status ParseKafkaProperties(const std::vector<std::string>& entries, std::map<std::string, std::string>* out);

// The cluster's topics that `section.topics` selects now, in the cluster's order (internal topics
// only when `include_internal`).
Result<std::vector<std::string>> SelectTopics(kafka::AdminClient& admin, const ClusterSection& section,
                                              bool include_internal);

}  // namespace kb
