// StreamBackupRecords (the engine of `cat`) on the memory store: the window, topic, partition,
// key, grep and limit filters, the order of output, what is fetched, and the errors.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "format/object_keys.h"
#include "inspect/backup_records.h"
#include "storage/memory_store.h"
#include "support/counting_store.h"
#include "support/segment_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

struct Seen {
  std::string topic;
  int32_t partition;
  Record record;
  bool operator==(const Seen&) const = default;
};

class BackupRecordsTest : public ::testing::Test {
 protected:
  // Topics "orders" (partitions 0 and 1) and "payments" (partition 0), two segments each, 30
  // records per segment. Record i of a partition has timestamp 1000 + 10 * i.
  void SetUp() override {
    format::Manifest m;
    m.backup_id = "b1";
    m.status = "complete";
    m.mode = "one-shot";
    m.compression = "zstd";
    for (const std::string topic : {"orders", "payments"}) {
      format::TopicManifest t;
      t.name = topic;
      t.partition_count = topic == "orders" ? 2 : 1;
      t.replication_factor = 1;
      for (int32_t p = 0; p < t.partition_count; ++p) {
        format::PartitionManifest pm;
        pm.partition = p;
        for (int s = 0; s < 2; ++s) {
          std::vector<Record> records;
          for (int i = s * 30; i < (s + 1) * 30; ++i) {
            Record r;
            r.offset = i;
            r.timestamp = 1000 + 10 * i;
            if (i % 7 != 0) r.key = "cust-" + std::to_string(i % 5);  // every 7th key is null
            r.value = i % 4 == 0 ? "{\"status\": \"CORRUPTED\", \"n\": " + std::to_string(i) + "}"
                                 : std::string("\xFF\x00valid ", 8) + std::to_string(i);
            r.headers = {{"trace", std::to_string(i)}};
            records.push_back(r);
            source_[{topic, p}].push_back(r);
          }
          pm.segments.push_back(test::PutSegment(
              mem_, format::SegmentKey("b1", topic, p, records.front().offset, records.back().offset), records, 300));
        }
        pm.next_offset = 60;
        t.partitions.push_back(pm);
      }
      m.topics.push_back(t);
    }
    test::CommitManifest(mem_, m);
  }

  Result<RecordScanStats> Stream(ObjectStore& store, const RecordFilter& f, std::vector<Seen>* out) {
    return StreamBackupRecords(store, "b1", f, [out](const std::string& t, int32_t p, const Record& r) {
      out->push_back({t, p, r});
      return true;
    });
  }

  // The source records that pass `keep`, in topic, partition, offset order.
  template <typename Keep>
  std::vector<Seen> Expected(Keep keep) const {
    std::vector<Seen> out;
    for (const auto& [tp, records] : source_)
      for (const auto& r : records)
        if (keep(tp.first, tp.second, r)) out.push_back({tp.first, tp.second, r});
    return out;
  }

  MemoryStore mem_{test::UniqueName("cat-unit")};
  std::map<std::pair<std::string, int32_t>, std::vector<Record>> source_;
};

TEST_F(BackupRecordsTest, StreamsTheWindowOfEveryPartitionInTopicPartitionOffsetOrder) {
  RecordFilter f;
  f.window = {1100, 1400};
  std::vector<Seen> got;
  auto stats = Stream(mem_, f, &got);
  ASSERT_TRUE(stats) << stats.error().ToString();
  auto want = Expected([&](auto&, int32_t, const Record& r) { return f.window.Contains(r.timestamp); });
  EXPECT_EQ(got, want);
  ASSERT_EQ(want.size(), 3u * 31);  // timestamps 1100..1400: records 10..40 of each partition
  EXPECT_EQ(stats->partitions, 3u);
  EXPECT_EQ(stats->records_matched, want.size());
  EXPECT_EQ(stats->records_in_window, want.size());
  EXPECT_FALSE(stats->stopped_by_sink);
}

TEST_F(BackupRecordsTest, TopicAndPartitionFiltersReadNothingOfOtherPartitions) {
  test::CountingStore counted(mem_);
  RecordFilter f;
  f.topic = "orders";
  f.partition = 1;
  std::vector<Seen> got;
  auto stats = Stream(counted, f, &got);
  ASSERT_TRUE(stats) << stats.error().ToString();
  EXPECT_EQ(got, Expected([](const std::string& t, int32_t p, auto&) { return t == "orders" && p == 1; }));
  EXPECT_EQ(stats->partitions, 1u);
  EXPECT_TRUE(counted.ReadsOf("/topics/payments/").empty());
  EXPECT_TRUE(counted.ReadsOf("/topics/orders/0/").empty());
  EXPECT_FALSE(counted.ReadsOf("/topics/orders/1/").empty());
  uint64_t segment_bytes = 0;
  for (const auto& r : counted.ReadsOf("/topics/")) segment_bytes += r.bytes;
  EXPECT_EQ(stats->bytes_read, segment_bytes) << "the segment bytes read, the catalog's not counted";
}

TEST_F(BackupRecordsTest, KeyAndGrepFilterTheRecordsAndNullsNeverMatch) {
  RecordFilter f;
  f.topic = "payments";
  f.key = "cust-3";
  std::vector<Seen> got;
  ASSERT_TRUE(Stream(mem_, f, &got));
  EXPECT_EQ(got, Expected([](const std::string& t, int32_t, const Record& r) { return t == "payments" && r.key == "cust-3"; }));
  EXPECT_FALSE(got.empty());

  f.key.reset();
  f.grep = "CORRUPTED";
  got.clear();
  ASSERT_TRUE(Stream(mem_, f, &got));
  EXPECT_EQ(got.size(), 15u);  // every 4th of 60
  for (const auto& s : got) EXPECT_EQ(s.record.offset % 4, 0);

  // The regex sees values with NUL bytes whole: "valid" follows a NUL.
  f.grep = "valid 5[0-9]$";
  got.clear();
  ASSERT_TRUE(Stream(mem_, f, &got));
  EXPECT_EQ(got, Expected([](const std::string& t, int32_t, const Record& r) {
              return t == "payments" && r.offset >= 50 && r.offset % 4 != 0;
            }));

  f.grep = "";
  f.key = "";  // an empty key matches empty keys only, never null ones
  got.clear();
  ASSERT_TRUE(Stream(mem_, f, &got));
  EXPECT_TRUE(got.empty());
}

TEST_F(BackupRecordsTest, LimitStopsReadingAtTheLimit) {
  test::CountingStore counted(mem_);
  RecordFilter f;
  f.limit = 3;
  std::vector<Seen> got;
  auto stats = Stream(counted, f, &got);
  ASSERT_TRUE(stats) << stats.error().ToString();
  auto all = Expected([](auto&, auto, auto&) { return true; });
  EXPECT_EQ(got, std::vector<Seen>(all.begin(), all.begin() + 3));
  EXPECT_EQ(stats->partitions, 1u);
  EXPECT_EQ(stats->blocks_read, 1u) << "the first block holds the first 3 records";
  EXPECT_TRUE(counted.ReadsOf("-00000000000000000059.kbs").empty()) << "the second segment is never opened";
  EXPECT_TRUE(counted.ReadsOf("/topics/orders/1/").empty());
}

TEST_F(BackupRecordsTest, ASinkThatStopsEndsTheScan) {
  std::vector<Seen> got;
  auto stats = StreamBackupRecords(mem_, "b1", {}, [&](const std::string& t, int32_t p, const Record& r) {
    got.push_back({t, p, r});
    return got.size() < 3;
  });
  ASSERT_TRUE(stats) << stats.error().ToString();
  EXPECT_EQ(got.size(), 3u);
  EXPECT_TRUE(stats->stopped_by_sink);
}

TEST_F(BackupRecordsTest, MissingBackupTopicOrPartitionAndBadRegexAreClearErrors) {
  std::vector<Seen> got;
  RecordFilter f;
  auto missing_backup = StreamBackupRecords(mem_, "nope", f, [](auto&, auto, auto&) { return true; });
  ASSERT_FALSE(missing_backup);
  EXPECT_EQ(missing_backup.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing_backup.error().message.find("'nope'"), std::string::npos);

  f.topic = "refunds";
  auto topic = Stream(mem_, f, &got);
  ASSERT_FALSE(topic);
  EXPECT_EQ(topic.error().code, ErrorCode::kNotFound);
  EXPECT_NE(topic.error().message.find("its topics: orders, payments"), std::string::npos) << topic.error().message;

  f.topic = "payments";
  f.partition = 4;
  auto partition = Stream(mem_, f, &got);
  ASSERT_FALSE(partition);
  EXPECT_EQ(partition.error().code, ErrorCode::kNotFound);
  EXPECT_NE(partition.error().message.find("it has: payments/0"), std::string::npos) << partition.error().message;

  f = {};
  f.grep = "(unclosed";
  auto regex = Stream(mem_, f, &got);
  ASSERT_FALSE(regex);
  EXPECT_EQ(regex.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(regex.error().message.find("--grep '(unclosed'"), std::string::npos) << regex.error().message;
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace kb
