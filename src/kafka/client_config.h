// KafkaClientConfig: how to reach one Kafka cluster, shared by AdminClient, PartitionConsumer
// and Producer.
//
// Contract:
// - bootstrap_servers must not be empty; each entry is "host:port".
// - Empty strings mean "not set": librdkafka's own default applies.
// - `extra` is passed to librdkafka as-is, after the typed fields, so it can override them and
//   reach any property this struct does not name (e.g. "sasl.kerberos.service.name").
//   A few properties each client needs for correctness (e.g. the consumer's
//   enable.auto.commit=false) are applied after `extra` and cannot be overridden.
// - Secrets (sasl_password, ssl_key_password, and any property whose name says password,
//   secret or token) are never put into error messages or logs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

// librdkafka's configuration object, declared here so this header does not pull in rdkafka.h.
typedef struct rd_kafka_conf_s rd_kafka_conf_t;

namespace kb::kafka {

struct KafkaClientConfig {
  std::vector<std::string> bootstrap_servers;  // required, e.g. {"127.0.0.1:9092"}
  std::string security_protocol;               // PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
  std::string sasl_mechanism;                  // PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | GSSAPI | OAUTHBEARER
  std::string sasl_username;
  std::string sasl_password;                   // secret
  std::string ssl_ca_location;
  std::string ssl_certificate_location;
  std::string ssl_key_location;
  std::string ssl_key_password;                // secret
  std::map<std::string, std::string> extra;    // any librdkafka property, passed through
  std::string client_id = "kafka-backup";
  // How long one request is retried through leader changes, broker restarts and coordinator moves
  // before it fails (the config's source/target retry_deadline_ms). Default 5 minutes.
  std::chrono::milliseconds retry_deadline{300000};
};

// A librdkafka property list in the order it is applied.
using PropertyList = std::vector<std::pair<std::string, std::string>>;

// "a:1,b:2": the form librdkafka's bootstrap.servers takes and error messages show.
std::string BootstrapList(const KafkaClientConfig& config);

// True for properties whose value must never be shown: names containing "password",
// "secret", "token" or "sasl.jaas" / "oauthbearer.config".
bool IsSecretProperty(std::string_view name);

// The properties the typed fields and `extra` stand for, in application order
// (typed fields first, then `extra`). Fails with kInvalidArgument when bootstrap_servers is empty.
Result<PropertyList> ToRdKafkaProperties(const KafkaClientConfig& config);

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const;
};
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;

// Builds a librdkafka configuration: `defaults` first (a client's tunables), then the config's
// properties, then `forced` (what the client needs to be correct). A property librdkafka refuses
// fails with kInvalidArgument naming the property and librdkafka's reason; the value is shown
// only when the property is not secret.
Result<RdKafkaConfPtr> BuildRdKafkaConf(const KafkaClientConfig& config,
                                        const PropertyList& defaults = {},
                                        const PropertyList& forced = {});

}  // namespace kb::kafka
