#include "kafka/client_config.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>

#include "kafka/rdkafka_handles.h"

namespace kb::kafka {

void RdKafkaConfDeleter::operator()(rd_kafka_conf_t* conf) const {
  if (conf) rd_kafka_conf_destroy(conf);
}

std::string BootstrapList(const KafkaClientConfig& config) {
  std::string out;
  for (const auto& server : config.bootstrap_servers) {
    if (!out.empty()) out += ',';
    out += server;
  }
  return out;
}

bool IsSecretProperty(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"password", "secret", "token", "sasl.jaas", "oauthbearer.config"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

Result<PropertyList> ToRdKafkaProperties(const KafkaClientConfig& config) {
  std::string servers = BootstrapList(config);
  if (servers.empty())
    return Fail(ErrorCode::kInvalidArgument,
                "bootstrap_servers is empty: give at least one host:port of the Kafka cluster");
  PropertyList props;
  props.emplace_back("bootstrap.servers", servers);
  auto add = [&props](const char* name, const std::string& value) {
    if (!value.empty()) props.emplace_back(name, value);
  };
  add("client.id", config.client_id);
  add("security.protocol", config.security_protocol);
  add("sasl.mechanisms", config.sasl_mechanism);
  add("sasl.username", config.sasl_username);
  add("sasl.password", config.sasl_password);
  add("ssl.ca.location", config.ssl_ca_location);
  add("ssl.certificate.location", config.ssl_certificate_location);
  add("ssl.key.location", config.ssl_key_location);
  add("ssl.key.password", config.ssl_key_password);
  for (const auto& [name, value] : config.extra) props.emplace_back(name, value);
  return props;
}

Result<RdKafkaConfPtr> BuildRdKafkaConf(const KafkaClientConfig& config,
                                        const PropertyList& defaults,
                                        const PropertyList& forced) {
  KB_ASSIGN_OR_RETURN(PropertyList user, ToRdKafkaProperties(config));
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const PropertyList* list : {&defaults, static_cast<const PropertyList*>(&user), &forced}) {
    for (const auto& [name, value] : *list) {
      errstr[0] = '\0';
      if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) ==
          RD_KAFKA_CONF_OK)
        continue;
      // librdkafka's reason may quote the value, so a secret gets a generic reason.
      std::string detail = IsSecretProperty(name) ? std::string("value refused (not shown: secret)")
                                                  : std::string(errstr);
      return Fail(ErrorCode::kInvalidArgument,
                  "Kafka client property '" + name + "' is invalid: " + detail +
                      ": fix it in the cluster section of the config or the security flags");
    }
  }
  InstallLogCallback(conf.get());
  return conf;
}

}  // namespace kb::kafka
