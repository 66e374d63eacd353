#include "config/kafka_options.h"

#include <sstream>

#include "config/topic_filter.h"

namespace kb {

kafka::KafkaClientConfig ToKafkaClientConfig(const ClusterSection& s) {
  kafka::KafkaClientConfig c;
  c.bootstrap_servers = s.bootstrap_servers;
  c.security_protocol = s.security.security_protocol;
  c.sasl_mechanism = s.security.sasl_mechanism;
  c.sasl_username = s.security.sasl_username;
  c.sasl_password = s.security.sasl_password;
  c.ssl_ca_location = s.security.ssl_ca_location;
  c.ssl_certificate_location = s.security.ssl_certificate_location;
  c.ssl_key_location = s.security.ssl_key_location;
  c.ssl_key_password = s.security.ssl_key_password;
  c.extra = s.properties;
  c.retry_deadline = std::chrono::milliseconds(s.retry_deadline_ms);
  return c;
}

Result<std::vector<std::string>> ParseBootstrapServers(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    if (item.find(':') == std::string::npos)
      return Fail(ErrorCode::kInvalidArgument, "bootstrap server '" + item + "' has no port: write host:port");
    out.push_back(item);
  }
  if (out.empty()) return Fail(ErrorCode::kInvalidArgument, "no bootstrap servers given: use --bootstrap-servers host:port");
  return out;
}

Status ParseKafkaProperties(const std::vector<std::string>& entries, std::map<std::string, std::string>* out) {
  for (const auto& e : entries) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0)
      return Fail(ErrorCode::kInvalidArgument, "kafka property '" + e.substr(0, e.find('=')) + "' must be key=value");
    (*out)[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return {};
}

Result<std::vector<std::string>> SelectTopics(kafka::AdminClient& admin, const ClusterSection& section,
                                              bool include_internal) {
  KB_ASSIGN_OR_RETURN(auto filter, TopicFilter::Create(section.topics));
  KB_ASSIGN_OR_RETURN(auto topics, admin.ListTopics(include_internal));
  std::vector<std::string> out;
  for (const auto& t : topics)
    if (filter.Matches(t)) out.push_back(t);
  return out;
}

}  // namespace kb
