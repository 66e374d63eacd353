// Smoke test of the single real broker started by scripts/servers-up.sh (KB_BOOTSTRAP), talking to it
// with the librdkafka C API directly: if this fails, the test environment is broken, not the product.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/raw_rdkafka.h"
#include "support/test_env.h"

namespace {

using Clock = std::chrono::steady_clock;
using Handle = kb::test::RawHandle;
constexpr int kRecords = 100;

struct DeliveryCount {
  int ok = 0;
  int failed = 0;
  std::string first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* count = static_cast<DeliveryCount*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++count->ok;
  } else if (count->failed++ == 0) {
    count->first_error = rd_kafka_err2str(msg->err);
  }
}

std::string HeaderValue(const rd_kafka_headers_t* hdrs, const char* name, bool* is_null) {
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return "<missing>";
  *is_null = value == nullptr;
  return value ? std::string(static_cast<const char*>(value), size) : "";
}

TEST(BrokerSmoke, RecordsWithKeysAndHeadersComeBackInOrderFromTheRealBroker) {
  const std::string bootstrap = kb::test::RequireEnv("KB_BOOTSTRAP");
  ASSERT_FALSE(bootstrap.empty());
  const std::string topic = kb::test::UniqueName("smoke");

  DeliveryCount delivered;
  Handle producer = kb::test::MakeRawClient(RD_KAFKA_PRODUCER, bootstrap, {{"acks", "all"}, {"linger.ms", "5"}}, OnDelivery, &delivered);
  ASSERT_TRUE(producer);
  ASSERT_EQ(kb::test::CreateTopicRaw(producer.get(), topic, 1, 1), "") << "topic=" << topic << " bootstrap=" << bootstrap;

  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "key-" + std::to_string(i), value = "value-" + std::to_string(i);
    const std::string seq = std::to_string(i);
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(3);
    rd_kafka_header_add(hdrs, "seq", -1, seq.data(), static_cast<ssize_t>(seq.size()));
    rd_kafka_header_add(hdrs, "source", -1, "smoke", 5);
    rd_kafka_header_add(hdrs, "nothing", -1, nullptr, 0);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(hdrs);  // ours again on failure
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << "record " << i << ": " << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR) << "flush timed out";
  ASSERT_EQ(delivered.failed, 0) << delivered.first_error;
  ASSERT_EQ(delivered.ok, kRecords);

  Handle consumer = kb::test::MakeRawClient(RD_KAFKA_CONSUMER, bootstrap,
                               {{"group.id", kb::test::UniqueName("smoke-reader")}, {"enable.auto.commit", "false"}},
                               nullptr, nullptr);
  ASSERT_TRUE(consumer);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t assign_err = rd_kafka_assign(consumer.get(), assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  ASSERT_EQ(assign_err, RD_KAFKA_RESP_ERR_NO_ERROR);

  int seen = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (seen < kRecords && Clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 500);
    if (msg == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(msg, rd_kafka_message_destroy);
    ASSERT_EQ(msg->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_message_errstr(msg);
    const int i = seen++;
    EXPECT_EQ(msg->offset, i);
    EXPECT_EQ(std::string(static_cast<const char*>(msg->key), msg->key_len), "key-" + std::to_string(i));
    EXPECT_EQ(std::string(static_cast<const char*>(msg->payload), msg->len), "value-" + std::to_string(i));
    rd_kafka_timestamp_type_t ts_type;
    EXPECT_GT(rd_kafka_message_timestamp(msg, &ts_type), 0);
    EXPECT_EQ(ts_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    rd_kafka_headers_t* hdrs = nullptr;
    ASSERT_EQ(rd_kafka_message_headers(msg, &hdrs), RD_KAFKA_RESP_ERR_NO_ERROR) << "offset " << i;
    ASSERT_EQ(rd_kafka_header_cnt(hdrs), 3u);
    bool is_null = true;
    EXPECT_EQ(HeaderValue(hdrs, "seq", &is_null), std::to_string(i));
    EXPECT_FALSE(is_null);
    EXPECT_EQ(HeaderValue(hdrs, "source", &is_null), "smoke");
    is_null = false;
    EXPECT_EQ(HeaderValue(hdrs, "nothing", &is_null), "");
    EXPECT_TRUE(is_null) << "a null header value must stay null";
  }
  ASSERT_EQ(seen, kRecords) << "topic=" << topic << ": only " << seen << " records came back within 30 s";

  // Nothing beyond what was produced (no duplicates).
  rd_kafka_message_t* extra = rd_kafka_consumer_poll(consumer.get(), 1000);
  if (extra != nullptr) {
    EXPECT_NE(extra->err, RD_KAFKA_RESP_ERR_NO_ERROR) << "unexpected record at offset " << extra->offset;
    rd_kafka_message_destroy(extra);
  }
}

TEST(BrokerSmoke, CreatingAnExistingTopicIsRejected) {
  const std::string bootstrap = kb::test::RequireEnv("KB_BOOTSTRAP");
  ASSERT_FALSE(bootstrap.empty());
  const std::string topic = kb::test::UniqueName("smoke-dup");
  Handle admin = kb::test::MakeRawClient(RD_KAFKA_PRODUCER, bootstrap, {}, nullptr, nullptr);
  ASSERT_TRUE(admin);
  ASSERT_EQ(kb::test::CreateTopicRaw(admin.get(), topic, 2, 1), "") << "topic=" << topic << " bootstrap=" << bootstrap;
  EXPECT_NE(kb::test::CreateTopicRaw(admin.get(), topic, 2, 1).find("TOPIC_ALREADY_EXISTS"), std::string::npos);
}

}  // namespace
