// Smoke test of the real 3-node cluster started by scripts/servers-up.sh (KB_CLUSTER_BOOTSTRAP),
// with the librdkafka C API directly: three brokers, a replicated topic, records across partitions.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/raw_rdkafka.h"
#include "support/test_env.h"

namespace {

using Clock = std::chrono::steady_clock;
using Handle = kb::test::RawHandle;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)>;
constexpr int kPartitions = 3;
constexpr int kReplicas = 3;
constexpr int kRecords = 100;

struct Deliveries {
  std::map<int32_t, int> per_partition;
  int failed = 0;
  std::string first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++d->per_partition[msg->partition];
  } else if (d->failed++ == 0) {
    d->first_error = rd_kafka_err2str(msg->err);
  }
}

Metadata FetchMetadata(rd_kafka_t* rk) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << "metadata: " << rd_kafka_err2str(err);
  return Metadata(err == RD_KAFKA_RESP_ERR_NO_ERROR ? md : nullptr, rd_kafka_metadata_destroy);
}

const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t* md, const std::string& topic) {
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic) return &md->topics[i];
  return nullptr;
}

// True once every partition of TOPIC has a leader and all replicas in sync.
bool FullyReplicated(const rd_kafka_metadata_t* md, const std::string& topic) {
  const rd_kafka_metadata_topic_t* t = FindTopic(md, topic);
  if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt != kPartitions) return false;
  for (int p = 0; p < t->partition_cnt; ++p) {
    const rd_kafka_metadata_partition_t& part = t->partitions[p];
    if (part.leader < 0 || part.replica_cnt != kReplicas || part.isr_cnt != kReplicas) return false;
  }
  return true;
}

TEST(ClusterSmoke, MetadataListsThreeBrokersAtTheBootstrapAddresses) {
  const std::string bootstrap = kb::test::RequireEnv("KB_CLUSTER_BOOTSTRAP");
  ASSERT_FALSE(bootstrap.empty());
  Handle admin = kb::test::MakeRawClient(RD_KAFKA_PRODUCER, bootstrap, {}, nullptr, nullptr);
  ASSERT_TRUE(admin);
  Metadata md = FetchMetadata(admin.get());
  ASSERT_TRUE(md);
  ASSERT_EQ(md->broker_cnt, 3) << "bootstrap=" << bootstrap;
  std::set<int32_t> ids;
  for (int i = 0; i < md->broker_cnt; ++i) {
    ids.insert(md->brokers[i].id);
    const std::string addr = std::string(md->brokers[i].host) + ":" + std::to_string(md->brokers[i].port);
    EXPECT_NE(bootstrap.find(addr), std::string::npos) << "broker " << md->brokers[i].id << " advertises " << addr;
  }
  EXPECT_EQ(ids, (std::set<int32_t>{1, 2, 3}));
}

TEST(ClusterSmoke, ReplicatedTopicSpreadsLeadersAndReturnsEveryRecord) {
  const std::string bootstrap = kb::test::RequireEnv("KB_CLUSTER_BOOTSTRAP");
  ASSERT_FALSE(bootstrap.empty());
  const std::string topic = kb::test::UniqueName("cluster-smoke");

  Deliveries deliveries;
  Handle producer = kb::test::MakeRawClient(RD_KAFKA_PRODUCER, bootstrap, {{"acks", "all"}, {"linger.ms", "5"}}, OnDelivery, &deliveries);
  ASSERT_TRUE(producer);
  ASSERT_EQ(kb::test::CreateTopicRaw(producer.get(), topic, kPartitions, kReplicas), "")
      << "topic=" << topic << " bootstrap=" << bootstrap;

  // Replicas take a moment to join the ISR after creation.
  Metadata md(nullptr, rd_kafka_metadata_destroy);
  const auto replicated_by = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < replicated_by) {
    md = FetchMetadata(producer.get());
    if (md && FullyReplicated(md.get(), topic)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(md && FullyReplicated(md.get(), topic)) << "topic=" << topic << " never had 3 in-sync replicas";
  std::set<int32_t> leaders;
  const rd_kafka_metadata_topic_t* t = FindTopic(md.get(), topic);
  for (int p = 0; p < t->partition_cnt; ++p) leaders.insert(t->partitions[p].leader);
  EXPECT_EQ(leaders.size(), 3u) << "each broker should lead one of the 3 partitions";

  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "key-" + std::to_string(i), value = "value-" + std::to_string(i);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << "record " << i << ": " << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR) << "flush timed out";
  ASSERT_EQ(deliveries.failed, 0) << deliveries.first_error;
  ASSERT_EQ(deliveries.per_partition.size(), static_cast<size_t>(kPartitions)) << "keys should reach every partition";

  Handle consumer = kb::test::MakeRawClient(RD_KAFKA_CONSUMER, bootstrap,
                               {{"group.id", kb::test::UniqueName("cluster-reader")}, {"enable.auto.commit", "false"}},
                               nullptr, nullptr);
  ASSERT_TRUE(consumer);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = 0; p < kPartitions; ++p)
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t assign_err = rd_kafka_assign(consumer.get(), assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  ASSERT_EQ(assign_err, RD_KAFKA_RESP_ERR_NO_ERROR);

  std::map<std::string, std::string> by_key;
  std::map<int32_t, int64_t> next_offset;
  std::map<int32_t, int> per_partition;
  int seen = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (seen < kRecords && Clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 500);
    if (msg == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(msg, rd_kafka_message_destroy);
    ASSERT_EQ(msg->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_message_errstr(msg);
    ++seen;
    EXPECT_EQ(msg->offset, next_offset[msg->partition]++) << "partition " << msg->partition << " skipped an offset";
    ++per_partition[msg->partition];
    by_key.emplace(std::string(static_cast<const char*>(msg->key), msg->key_len),
                   std::string(static_cast<const char*>(msg->payload), msg->len));
  }
  ASSERT_EQ(seen, kRecords) << "topic=" << topic << ": only " << seen << " records came back within 30 s";
  ASSERT_EQ(by_key.size(), static_cast<size_t>(kRecords)) << "some key came back twice";
  for (int i = 0; i < kRecords; ++i)
    EXPECT_EQ(by_key["key-" + std::to_string(i)], "value-" + std::to_string(i));
  EXPECT_EQ(per_partition, deliveries.per_partition) << "records came back from other partitions than they went to";
}

}  // namespace
