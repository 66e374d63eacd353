// The smoke tests talk to the servers with the librdkafka C API directly, bypassing the product,
// so that a failure there means the test environment is broken. These are their shared helpers.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kb::test {

using RawHandle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;

// A client of `type` for `bootstrap` with extra settings; `on_delivery` (producers only, may be
// null) gets `opaque`. Fails the test (and returns null) on bad config. Consumers are closed
// before they are destroyed.
RawHandle MakeRawClient(rd_kafka_type_t type, const std::string& bootstrap,
                        const std::vector<std::pair<std::string, std::string>>& settings,
                        void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque);

// Creates `topic` with the admin API; returns "" or the broker's error, named.
std::string CreateTopicRaw(rd_kafka_t* rk, const std::string& topic, int partitions, int replication);

}  // namespace kb::test
