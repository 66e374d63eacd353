// Producer and PartitionConsumer against the real broker: every field of a record survives a
// produce/consume round trip, and the consumer's events say where each partition stands.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/admin_client.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::kafka {
namespace {

using namespace std::chrono_literals;
using Kind = ConsumerEvent::Kind;

Record MakeRecord(std::optional<std::string> key, std::optional<std::string> value, int64_t ts,
                  std::vector<RecordHeader> headers = {}) {
  Record r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.timestamp = ts;
  r.timestamp_type = TimestampType::kCreateTime;
  r.headers = std::move(headers);
  return r;
}

// Polls until `want` records and an EOF for every partition in `partitions` arrived, or 30 s.
struct Drained {
  std::vector<ConsumerEvent> records;
  std::map<int32_t, int64_t> eof;  // partition -> end offset reported
};
Drained Drain(PartitionConsumer& consumer, size_t want, size_t partitions) {
  Drained d;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((d.records.size() < want || d.eof.size() < partitions) && std::chrono::steady_clock::now() < deadline) {
    auto events = consumer.Poll(200ms);
    EXPECT_TRUE(events) << events.error().ToString();
    if (!events) break;
    for (auto& ev : *events) {
      if (ev.kind == Kind::kRecord) d.records.push_back(std::move(ev));
      else if (ev.kind == Kind::kPartitionEof) d.eof[ev.partition] = ev.offset;
      else if (ev.kind == Kind::kError) ADD_FAILURE() << "consumer error: " << ev.error->ToString();
      else ADD_FAILURE() << "unexpected out-of-range at offset " << ev.offset;
    }
  }
  return d;
}

using KafkaRoundTripTest = test::BrokerTopicsTest;

TEST_F(KafkaRoundTripTest, EveryRecordFieldSurvivesProduceAndConsume) {
  std::string topic = NewTopic("kafka-rt", 1);
  const int64_t t0 = 1700000000123;
  std::vector<Record> sent = {
      MakeRecord(std::nullopt, std::nullopt, t0),                     // tombstone without key
      MakeRecord(std::string(), std::string(), t0 + 1),               // empty, not null
      MakeRecord(std::string("k"), std::nullopt, t0 + 2),             // keyed tombstone
      MakeRecord(std::nullopt, std::string("only value"), t0 - 86400000),  // older than the previous
      MakeRecord(std::string("bin\0key", 7), std::string("\0\xff\x01v", 4), t0 + 3),
      MakeRecord(std::string("h"), std::string("headers"), t0 + 4,
                 {{"dup", std::string("1")},
                  {"null-valued", std::nullopt},
                  {"dup", std::string("2")},
                  {"empty", std::string()},
                  {"dup", std::string("1")}}),
  };

  std::vector<DeliveryReport> reports;
  auto producer = Producer::Create(test::BrokerClientConfig(), {}, [&](const DeliveryReport& r) { reports.push_back(r); });
  ASSERT_TRUE(producer) << producer.error().ToString();
  for (size_t i = 0; i < sent.size(); ++i) ASSERT_TRUE((*producer)->Produce(topic, 0, sent[i], 100 + i));
  auto flushed = (*producer)->Flush(30s);
  ASSERT_TRUE(flushed) << flushed.error().ToString();
  EXPECT_EQ((*producer)->outstanding(), 0u);

  ASSERT_EQ(reports.size(), sent.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_FALSE(reports[i].error);
    EXPECT_EQ(reports[i].tag, 100 + i);  // idempotent: in produce order
    EXPECT_EQ(reports[i].offset, static_cast<int64_t>(i));
    EXPECT_EQ(reports[i].topic, topic);
    EXPECT_EQ(reports[i].partition, 0);
  }
  auto deliveries = (*producer)->deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  const PartitionDelivery& delivered = deliveries[TopicPartition{topic, 0}];
  EXPECT_EQ(delivered.delivered, sent.size());
  EXPECT_EQ(delivered.last_offset, static_cast<int64_t>(sent.size() - 1));
  EXPECT_EQ(delivered.last_tag, 100 + sent.size() - 1);

  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(consumer) << consumer.error().ToString();
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, kOffsetBeginning}}));
  Drained d = Drain(**consumer, sent.size(), 1);
  ASSERT_EQ(d.records.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    Record expected = sent[i];
    expected.offset = static_cast<int64_t>(i);
    EXPECT_EQ(d.records[i].topic, topic);
    EXPECT_EQ(d.records[i].partition, 0);
    EXPECT_EQ(d.records[i].record, expected) << "record " << i;
  }
  // Spelled out, since these are the distinctions that are easy to lose.
  EXPECT_FALSE(d.records[0].record.key.has_value());
  EXPECT_FALSE(d.records[0].record.value.has_value());
  ASSERT_TRUE(d.records[1].record.key.has_value());
  EXPECT_EQ(*d.records[1].record.key, "");
  ASSERT_TRUE(d.records[1].record.value.has_value());
  ASSERT_EQ(d.records[5].record.headers.size(), 5u);
  EXPECT_FALSE(d.records[5].record.headers[1].value.has_value());
  ASSERT_TRUE(d.records[5].record.headers[3].value.has_value());
  EXPECT_EQ(d.eof.at(0), static_cast<int64_t>(sent.size()));
}

TEST_F(KafkaRoundTripTest, ExtraHeadersFollowTheRecordsOwn) {
  std::string topic = NewTopic("kafka-rt", 1);
  auto producer = Producer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(producer);
  Record r = MakeRecord(std::string("k"), std::string("v"), 1700000000000, {{"a", std::string("1")}});
  ASSERT_TRUE((*producer)->Produce(topic, 0, r, 0, {{"x-original-offset", std::string("42")}}));
  ASSERT_TRUE((*producer)->Flush(30s));

  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(consumer);
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, 0}}));
  Drained d = Drain(**consumer, 1, 1);
  ASSERT_EQ(d.records.size(), 1u);
  std::vector<RecordHeader> expected = {{"a", std::string("1")}, {"x-original-offset", std::string("42")}};
  EXPECT_EQ(d.records[0].record.headers, expected);
}

TEST_F(KafkaRoundTripTest, LogAppendTimeTopicReportsTheBrokersTimestampType) {
  std::string topic = NewTopic("kafka-rt", 1, {{"message.timestamp.type", "LogAppendTime"}});
  auto producer = Producer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(producer);
  const int64_t old_ts = 1500000000000;
  ASSERT_TRUE((*producer)->Produce(topic, 0, MakeRecord(std::nullopt, std::string("v"), old_ts)));
  ASSERT_TRUE((*producer)->Flush(30s));

  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(consumer);
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, kOffsetBeginning}}));
  Drained d = Drain(**consumer, 1, 1);
  ASSERT_EQ(d.records.size(), 1u);
  EXPECT_EQ(d.records[0].record.timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_GT(d.records[0].record.timestamp, old_ts);
}

TEST_F(KafkaRoundTripTest, PartitionsCanBeAddedToARunningAssignmentAndEachReportsItsEnd) {
  std::string topic = NewTopic("kafka-rt", 3);
  auto producer = Producer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(producer);
  for (int32_t p = 0; p < 3; ++p)
    for (int i = 0; i < 3 + p; ++i)
      ASSERT_TRUE((*producer)->Produce(topic, p, MakeRecord(std::nullopt, "p" + std::to_string(p), 1700000000000)));
  ASSERT_TRUE((*producer)->Flush(30s));

  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(consumer);
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, 0}}));
  Drained first = Drain(**consumer, 3, 1);
  EXPECT_EQ(first.records.size(), 3u);
  EXPECT_EQ(first.eof.at(0), 3);

  ASSERT_TRUE((*consumer)->Assign({{topic, 1, 1}, {topic, 2, kOffsetBeginning}}));
  auto again = (*consumer)->Assign({{topic, 2, 0}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ((*consumer)->Assignment().size(), 3u);

  Drained rest = Drain(**consumer, 3 + 5, 2);
  std::map<int32_t, int> per_partition;
  for (const auto& ev : rest.records) {
    ++per_partition[ev.partition];
    EXPECT_EQ(*ev.record.value, "p" + std::to_string(ev.partition));
  }
  EXPECT_EQ(per_partition[0], 0);  // partition 0 was already read to its end
  EXPECT_EQ(per_partition[1], 3);  // offsets 1..3 of 4
  EXPECT_EQ(per_partition[2], 5);
  EXPECT_EQ(rest.eof.at(1), 4);
  EXPECT_EQ(rest.eof.at(2), 5);

  auto w = (*consumer)->QueryWatermarks(topic, 2);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->high, 5);
}

TEST_F(KafkaRoundTripTest, SeekBackDropsWhatWasPrefetchedAndRestartsAtTheNewOffset) {
  std::string topic = NewTopic("kafka-rt", 1);
  auto producer = Producer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(producer);
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE((*producer)->Produce(topic, 0, MakeRecord(std::nullopt, "r" + std::to_string(i), 1700000000000)));
  ASSERT_TRUE((*producer)->Flush(30s));

  ConsumerOptions opts;
  opts.max_batch_records = 3;  // leave most of the fetched records queued inside librdkafka
  auto consumer = PartitionConsumer::Create(test::BrokerClientConfig(), opts);
  ASSERT_TRUE(consumer);
  ASSERT_TRUE((*consumer)->Assign({{topic, 0, 0}}));
  std::vector<int64_t> first;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (first.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    auto events = (*consumer)->Poll(200ms);
    ASSERT_TRUE(events);
    EXPECT_LE(events->size(), 3u);
    for (const auto& ev : *events)
      if (ev.kind == Kind::kRecord) first.push_back(ev.record.offset);
  }
  ASSERT_GE(first.size(), 5u);

  ASSERT_TRUE((*consumer)->Seek(topic, 0, 20));
  std::vector<int64_t> after;
  Drained d = Drain(**consumer, 30, 1);
  for (const auto& ev : d.records) after.push_back(ev.record.offset);
  std::vector<int64_t> expected;
  for (int64_t o = 20; o < 50; ++o) expected.push_back(o);
  EXPECT_EQ(after, expected);
}

TEST_F(KafkaRoundTripTest, ReadCommittedSkipsAbortedRecordsAndMarkers) {
  std::string topic = NewTopic("kafka-rt", 1);
  ProducerOptions opts;
  opts.transactional_id = test::UniqueName("kafka-rt-txn");
  auto producer = Producer::Create(test::BrokerClientConfig(), opts);
  ASSERT_TRUE(producer) << producer.error().ToString();
  auto write = [&](const std::string& value) {
    return (*producer)->Produce(topic, 0, MakeRecord(std::nullopt, value, 1700000000000));
  };
  ASSERT_TRUE((*producer)->BeginTransaction());
  ASSERT_TRUE(write("committed-1"));
  ASSERT_TRUE(write("committed-2"));
  auto st = (*producer)->CommitTransaction(30s);
  ASSERT_TRUE(st) << st.error().ToString();
  ASSERT_TRUE((*producer)->BeginTransaction());
  ASSERT_TRUE(write("aborted-1"));
  ASSERT_TRUE(write("aborted-2"));
  ASSERT_TRUE((*producer)->Flush(30s));  // on the broker before the abort
  st = (*producer)->AbortTransaction(30s);
  ASSERT_TRUE(st) << st.error().ToString();
  ASSERT_TRUE((*producer)->BeginTransaction());
  ASSERT_TRUE(write("committed-3"));
  ASSERT_TRUE((*producer)->CommitTransaction(30s));

  // Offsets: 0,1 committed, 2 marker, 3,4 aborted, 5 marker, 6 committed, 7 marker.
  auto read = [&](bool read_committed) {
    ConsumerOptions copts;
    copts.read_committed = read_committed;
    auto consumer = PartitionConsumer::Create(test::BrokerClientConfig(), copts);
    EXPECT_TRUE(consumer);
    EXPECT_TRUE((*consumer)->Assign({{topic, 0, 0}}));
    std::vector<std::pair<int64_t, std::string>> seen;
    Drained d = Drain(**consumer, read_committed ? 3 : 5, 1);
    for (const auto& ev : d.records) seen.emplace_back(ev.record.offset, *ev.record.value);
    EXPECT_EQ(d.eof.at(0), 8);
    return seen;
  };
  std::vector<std::pair<int64_t, std::string>> committed = {{0, "committed-1"}, {1, "committed-2"}, {6, "committed-3"}};
  EXPECT_EQ(read(true), committed);
  std::vector<std::pair<int64_t, std::string>> everything = {
      {0, "committed-1"}, {1, "committed-2"}, {3, "aborted-1"}, {4, "aborted-2"}, {6, "committed-3"}};
  EXPECT_EQ(read(false), everything);
}

TEST_F(KafkaRoundTripTest, AFullLocalQueueIsWaitedOutNotFailed) {
  std::string topic = NewTopic("kafka-rt", 1);
  ProducerOptions opts;
  opts.queue_max_messages = 5;  // far fewer than we send: Produce must wait for room
  opts.batch_num_messages = 5;
  uint64_t reports = 0;
  auto producer = Producer::Create(test::BrokerClientConfig(), opts, [&](const DeliveryReport& r) {
    EXPECT_FALSE(r.error);
    ++reports;
  });
  ASSERT_TRUE(producer) << producer.error().ToString();
  for (int i = 0; i < 500; ++i) {
    auto st = (*producer)->Produce(topic, 0, MakeRecord(std::nullopt, std::to_string(i), 1700000000000), i);
    ASSERT_TRUE(st) << "record " << i << ": " << st.error().ToString();
  }
  ASSERT_TRUE((*producer)->Flush(30s));
  EXPECT_EQ(reports, 500u);
  auto w = admin_->Watermarks(topic, 0);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->high, 500);
}

TEST_F(KafkaRoundTripTest, RecordsForAMissingPartitionFailTheFlushNamingThePartition) {
  std::string topic = NewTopic("kafka-rt", 1);
  ProducerOptions opts;
  opts.delivery_timeout_ms = 10000;
  auto producer = Producer::Create(test::BrokerClientConfig(), opts);
  ASSERT_TRUE(producer);
  auto st = (*producer)->Produce(topic, 7, MakeRecord(std::nullopt, std::string("v"), 1700000000000));
  if (st) st = (*producer)->Flush(30s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("partition=7"), std::string::npos) << st.error().ToString();
}

TEST(KafkaProducerOptionsTest, AcksOtherThanAllAreRefusedForTheIdempotentProducer) {
  KafkaClientConfig c;
  c.bootstrap_servers = {"127.0.0.1:9092"};
  ProducerOptions opts;
  opts.acks = "1";
  auto producer = Producer::Create(c, opts);
  ASSERT_FALSE(producer);
  EXPECT_EQ(producer.error().code, ErrorCode::kInvalidArgument);
  opts.idempotent = false;
  EXPECT_TRUE(Producer::Create(c, opts));
}

}  // namespace
}  // namespace kb::kafka
