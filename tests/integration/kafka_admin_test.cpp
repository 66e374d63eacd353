// AdminClient against the real broker: topics, configs, watermarks, offsets by time,
// DeleteRecords, and what an unreachable cluster looks like.
#include <chrono>
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka/admin_client.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "kafka/rdkafka_handles.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaAdminTest : public test::BrokerTopicsTest {
 protected:
  // Writes `count` records to partition 0 with timestamps base, base+1000, ...
  void ProduceTimed(const std::string& topic, int count, int64_t base, int32_t partition = 0) {
    auto producer = Producer::Create(test::BrokerClientConfig());
    ASSERT_TRUE(producer) << producer.error().ToString();
    for (int i = 0; i < count; ++i) {
      Record r;
      r.timestamp = base + i * 1000;
      r.value = "v" + std::to_string(i);
      ASSERT_TRUE((*producer)->Produce(topic, partition, r));
    }
    auto st = (*producer)->Flush(30s);
    ASSERT_TRUE(st) << st.error().ToString();
  }
};

TEST_F(KafkaAdminTest, MetadataNamesTheBrokerAndTheCluster) {
  auto md = admin_->Metadata();
  ASSERT_TRUE(md) << md.error().ToString();
  EXPECT_FALSE(md->cluster_id.empty());
  ASSERT_FALSE(md->brokers.empty());
  std::string bootstrap = test::RequireEnv("KB_BOOTSTRAP");
  bool found = std::any_of(md->brokers.begin(), md->brokers.end(), [&](const BrokerInfo& b) {
    return b.host + ":" + std::to_string(b.port) == bootstrap;
  });
  EXPECT_TRUE(found) << "no broker advertises " << bootstrap;
  EXPECT_GE(md->controller_id, 0);
}

TEST_F(KafkaAdminTest, CreatedTopicIsDescribedWithOnlyItsOwnConfigs) {
  std::string topic = NewTopic("kafka-admin", 3, {{"cleanup.policy", "compact"}, {"retention.ms", "123456789"}});
  auto exists = admin_->TopicExists(topic);
  ASSERT_TRUE(exists);
  EXPECT_TRUE(*exists);

  auto info = admin_->DescribeTopic(topic);
  ASSERT_TRUE(info) << info.error().ToString();
  ASSERT_EQ(info->partitions.size(), 3u);
  for (const auto& p : info->partitions) EXPECT_GE(p.leader, 0) << "partition " << p.id;

  auto desc = admin_->DescribeTopicConfigs(topic);
  ASSERT_TRUE(desc) << desc.error().ToString();
  EXPECT_EQ(desc->partition_count, 3);
  EXPECT_EQ(desc->replication_factor, 1);
  std::map<std::string, std::string> expected = {{"cleanup.policy", "compact"}, {"retention.ms", "123456789"}};
  EXPECT_EQ(desc->configs, expected);  // no broker defaults such as segment.bytes

  auto topics = admin_->ListTopics();
  ASSERT_TRUE(topics);
  EXPECT_NE(std::find(topics->begin(), topics->end(), topic), topics->end());
  for (const auto& t : *topics) EXPECT_NE(t.rfind("__", 0), 0u) << "internal topic listed: " << t;
}

// A new topic's partitions are writable when CreateTopic returns. Metadata names their leader
// before the leader has opened their logs, and an idempotent producer writing in between lost
// records: a partition's first one reported delivered, without an offset, and never written.
TEST_F(KafkaAdminTest, EveryRecordWrittenToANewTopicIsKept) {
  constexpr int kPartitions = 64, kPerPartition = 300;
  std::string topic = test::UniqueName("kafka-admin-fresh");
  ASSERT_TRUE(admin_->CreateTopic(topic, kPartitions, 1));
  std::mutex mu;
  std::map<int32_t, std::vector<std::pair<uint64_t, int64_t>>> confirmed;  // partition -> (tag, offset)
  auto producer = Producer::Create(test::BrokerClientConfig(), ProducerOptions{}, [&](const DeliveryReport& d) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_FALSE(d.error) << d.error->ToString();
    confirmed[d.partition].emplace_back(d.tag, d.offset);
  });
  ASSERT_TRUE(producer) << producer.error().ToString();
  for (int i = 0; i < kPerPartition; ++i) {
    for (int p = 0; p < kPartitions; ++p) {
      Record r;
      r.value = std::string(512, 'x');
      ASSERT_TRUE((*producer)->Produce(topic, p, r, static_cast<uint64_t>(i)));
    }
  }
  auto st = (*producer)->Flush(60s);
  ASSERT_TRUE(st) << st.error().ToString();
  for (int p = 0; p < kPartitions; ++p) {
    auto& got = confirmed[p];
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerPartition)) << "partition " << p;
    for (int i = 0; i < kPerPartition; ++i) ASSERT_EQ(got[i].second, i) << "partition " << p << " record " << i;
    auto wm = admin_->Watermarks(topic, p);
    ASSERT_TRUE(wm) << wm.error().ToString();
    EXPECT_EQ(wm->high, kPerPartition) << "partition " << p;
  }
  EXPECT_TRUE(admin_->DeleteTopic(topic));
}

// What EveryRecordWrittenToANewTopicIsKept relies on, asked once: when CreateTopic returns, each
// partition's leader answers ListOffsets for it (a leader that has not opened the log yet answers
// NOT_LEADER_OR_FOLLOWER, and so would a produce).
TEST_F(KafkaAdminTest, EveryPartitionOfANewTopicAnswersAtOnce) {
  constexpr int kPartitions = 64;
  std::string topic = test::UniqueName("kafka-admin-open");
  ASSERT_TRUE(admin_->CreateTopic(topic, kPartitions, 1));
  // A plain librdkafka client asks once: the project's clients retry, which would hide the wait.
  char errstr[256];
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  ASSERT_EQ(rd_kafka_conf_set(conf.get(), "bootstrap.servers", test::RequireEnv("KB_BOOTSTRAP").c_str(), errstr,
                              sizeof errstr), RD_KAFKA_CONF_OK);
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  ASSERT_TRUE(rk) << errstr;
  conf.release();  // rd_kafka_new took it
  PartitionListPtr list(rd_kafka_topic_partition_list_new(kPartitions));
  for (int p = 0; p < kPartitions; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = -1;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk.get(), list.get(), 10000);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  for (int i = 0; i < list->cnt; ++i)
    EXPECT_EQ(list->elems[i].err, RD_KAFKA_RESP_ERR_NO_ERROR)
        << "partition " << list->elems[i].partition << ": " << rd_kafka_err2str(list->elems[i].err);
  EXPECT_TRUE(admin_->DeleteTopic(topic));
}

TEST_F(KafkaAdminTest, CreatingAnExistingTopicIsAlreadyExists) {
  std::string topic = NewTopic("kafka-admin", 1);
  auto again = admin_->CreateTopic(topic, 1, 1);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists) << again.error().ToString();
  EXPECT_NE(again.error().message.find(topic), std::string::npos);
}

TEST_F(KafkaAdminTest, DeletedTopicIsGoneFromMetadataWhenDeleteReturns) {
  std::string topic = test::UniqueName("kafka-admin-del");
  ASSERT_TRUE(admin_->CreateTopic(topic, 2, 1));
  auto st = admin_->DeleteTopic(topic);
  ASSERT_TRUE(st) << st.error().ToString();
  auto exists = admin_->TopicExists(topic);
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
  auto desc = admin_->DescribeTopicConfigs(topic);
  ASSERT_FALSE(desc);
  EXPECT_EQ(desc.error().code, ErrorCode::kNotFound);
  auto again = admin_->DeleteTopic(topic);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound) << again.error().ToString();
}

TEST_F(KafkaAdminTest, WatermarksAndOffsetsForTimesFollowTheWrittenRecords) {
  std::string topic = NewTopic("kafka-admin", 1);
  const int64_t base = 1700000000000;
  ProduceTimed(topic, 10, base);

  auto w = admin_->Watermarks(topic, 0);
  ASSERT_TRUE(w) << w.error().ToString();
  EXPECT_EQ(w->low, 0);
  EXPECT_EQ(w->high, 10);

  auto offsets = admin_->OffsetsForTimes(topic, {{0, base}});
  ASSERT_TRUE(offsets) << offsets.error().ToString();
  EXPECT_EQ(offsets->at(0), 0);
  offsets = admin_->OffsetsForTimes(topic, {{0, base + 3500}});
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), 4);  // first record at or after the time
  offsets = admin_->OffsetsForTimes(topic, {{0, base + 9000}});
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), 9);
  offsets = admin_->OffsetsForTimes(topic, {{0, base + 100000}});
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), -1);  // nothing that late
}

// A restore asks for every target partition's watermarks at its start and its end: in one lookup
// per topic, each partition's own answer.
TEST_F(KafkaAdminTest, TopicWatermarksAnswersForEachPartitionInOneLookup) {
  std::string topic = NewTopic("kafka-admin", 4);
  for (int32_t p = 0; p < 3; ++p) ProduceTimed(topic, 5 * (p + 1), 1700000000000, p);  // partition 3 stays empty
  ASSERT_TRUE(admin_->DeleteRecords(topic, {{1, 4}}));
  auto w = admin_->TopicWatermarks(topic, {3, 0, 1, 2});
  ASSERT_TRUE(w) << w.error().ToString();
  ASSERT_EQ(w->size(), 4u);
  EXPECT_EQ(w->at(0).low, 0);
  EXPECT_EQ(w->at(0).high, 5);
  EXPECT_EQ(w->at(1).low, 4);
  EXPECT_EQ(w->at(1).high, 10);
  EXPECT_EQ(w->at(2).low, 0);
  EXPECT_EQ(w->at(2).high, 15);
  EXPECT_EQ(w->at(3).low, 0);
  EXPECT_EQ(w->at(3).high, 0);
}

TEST_F(KafkaAdminTest, DeleteRecordsMakesOldOffsetsOutOfRangeForTheConsumer) {
  std::string topic = NewTopic("kafka-admin", 1);
  ProduceTimed(topic, 10, 1700000000000);
  auto low = admin_->DeleteRecords(topic, {{0, 6}});
  ASSERT_TRUE(low) << low.error().ToString();
  EXPECT_EQ(low->at(0), 6);
  auto w = admin_->Watermarks(topic, 0);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->low, 6);
  EXPECT_EQ(w->high, 10);

  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(consumer) << consumer.error().ToString();
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, 0}}));

  // Offset 0 is gone: the consumer must say so instead of jumping ahead on its own.
  std::optional<ConsumerEvent> out_of_range;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!out_of_range && std::chrono::steady_clock::now() < deadline) {
    auto events = (*consumer)->Poll(500ms);
    ASSERT_TRUE(events) << events.error().ToString();
    for (auto& ev : *events) {
      ASSERT_NE(ev.kind, ConsumerEvent::Kind::kRecord) << "a record arrived from a deleted range: offset "
                                                       << ev.record.offset;
      if (ev.kind == ConsumerEvent::Kind::kOffsetOutOfRange) out_of_range = ev;
    }
  }
  ASSERT_TRUE(out_of_range) << "no out-of-range event within 20 s";
  EXPECT_EQ(out_of_range->topic, topic);
  EXPECT_EQ(out_of_range->partition, 0);
  EXPECT_EQ(out_of_range->offset, 0);
  ASSERT_TRUE(out_of_range->error);

  // The backup engine's move: record the gap, re-seek to the log start.
  ASSERT_TRUE((*consumer)->Seek(topic, 0, w->low));
  std::vector<int64_t> offsets;
  bool eof = false;
  deadline = std::chrono::steady_clock::now() + 20s;
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    auto events = (*consumer)->Poll(500ms);
    ASSERT_TRUE(events);
    for (auto& ev : *events) {
      if (ev.kind == ConsumerEvent::Kind::kRecord) offsets.push_back(ev.record.offset);
      if (ev.kind == ConsumerEvent::Kind::kPartitionEof) {
        eof = true;
        EXPECT_EQ(ev.offset, 10);
      }
    }
  }
  EXPECT_TRUE(eof);
  EXPECT_EQ(offsets, (std::vector<int64_t>{6, 7, 8, 9}));
}

TEST(KafkaAdminUnreachableTest, UnreachableBootstrapIsUnavailableWithinFifteenSeconds) {
  KafkaClientConfig c;
  c.bootstrap_servers = {"127.0.0.1:9999"};
  auto admin = AdminClient::Create(c);
  ASSERT_TRUE(admin) << admin.error().ToString();
  auto start = std::chrono::steady_clock::now();
  auto md = (*admin)->Metadata();
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(md);
  EXPECT_EQ(md.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(md.error().message.find("could not reach Kafka at 127.0.0.1:9999 within 10 s"), std::string::npos)
      << md.error().message;
  EXPECT_NE(md.error().message.find("bootstrap_servers"), std::string::npos);
  EXPECT_LT(elapsed, 15s);
}

TEST(KafkaClientConfigTest, EmptyBootstrapIsInvalidArgument) {
  KafkaClientConfig c;
  auto admin = AdminClient::Create(c);
  ASSERT_FALSE(admin);
  EXPECT_EQ(admin.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(admin.error().message.find("bootstrap_servers"), std::string::npos);
}

TEST(KafkaClientConfigTest, RefusedPropertyIsNamedButSecretValueIsNot) {
  KafkaClientConfig c;
  c.bootstrap_servers = {"127.0.0.1:9092"};
  c.extra["no.such.password.property"] = "hunter2-secret";
  auto conf = BuildRdKafkaConf(c);
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(conf.error().message.find("no.such.password.property"), std::string::npos);
  EXPECT_EQ(conf.error().message.find("hunter2"), std::string::npos) << conf.error().message;

  KafkaClientConfig bad_acks;
  bad_acks.bootstrap_servers = {"127.0.0.1:9092"};
  bad_acks.extra["acks"] = "sometimes";
  auto conf2 = BuildRdKafkaConf(bad_acks);
  ASSERT_FALSE(conf2);
  EXPECT_NE(conf2.error().message.find("'acks'"), std::string::npos) << conf2.error().message;
}

TEST(KafkaClientConfigTest, TypedFieldsBecomeLibrdkafkaPropertiesAndExtraComesLast) {
  KafkaClientConfig c;
  c.bootstrap_servers = {"a:1", "b:2"};
  c.security_protocol = "SASL_SSL";
  c.sasl_mechanism = "SCRAM-SHA-512";
  c.sasl_username = "u";
  c.sasl_password = "p";
  c.extra["security.protocol"] = "SSL";
  auto props = ToRdKafkaProperties(c);
  ASSERT_TRUE(props);
  EXPECT_EQ(props->front(), (std::pair<std::string, std::string>{"bootstrap.servers", "a:1,b:2"}));
  auto find = [&](const std::string& name) {
    std::string last;
    for (const auto& [k, v] : *props)
      if (k == name) last = v;
    return last;
  };
  EXPECT_EQ(find("sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(find("sasl.username"), "u");
  EXPECT_EQ(find("security.protocol"), "SSL");  // extra overrides the typed field
  EXPECT_EQ(find("client.id"), "kafka-backup");
  EXPECT_TRUE(IsSecretProperty("sasl.password"));
  EXPECT_TRUE(IsSecretProperty("ssl.key.password"));
  EXPECT_FALSE(IsSecretProperty("sasl.username"));
}

}  // namespace
}  // namespace kb::kafka
