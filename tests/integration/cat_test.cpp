// `kafka-backup cat` against backups the real BackupEngine made of a real topic, in a directory
// and in MinIO: the records of the window, every field as the broker holds it, and only the
// blocks the window needs fetched.
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "catalog/catalog_reader.h"
#include "core/time_util.h"
#include "inspect/backup_records.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/counting_store.h"
#include "support/segment_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

using json = nlohmann::json;

constexpr int64_t kT0 = 1764000000000;
constexpr int kPerPartition = 240;
constexpr int kLateIndex = 200;             // partition 0's record 200 carries an old timestamp
constexpr int64_t kLateTimestamp = kT0 + 1001;
const TimeWindow kWindow{kT0 + 800, kT0 + 1600};

struct Seen {
  std::string topic;
  int32_t partition = 0;
  Record record;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << s.topic << "/" << s.partition << "@" << s.record.offset << " ts=" << s.record.timestamp;
}

std::string Base64Decode(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  EXPECT_GE(n, 0) << "not base64: " << text;
  out.resize(std::max(n, 0));
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) out.pop_back();  // EVP counts padding
  return out;
}

std::optional<std::string> Bytes(const json& obj, const std::string& name) {
  const json& v = obj.at(name);
  const json& enc = obj.at(name + "_encoding");
  if (v.is_null()) {
    EXPECT_TRUE(enc.is_null()) << obj.dump();
    return std::nullopt;
  }
  if (enc == "utf8") return v.get<std::string>();
  EXPECT_EQ(enc, "base64") << obj.dump();
  return Base64Decode(v.get<std::string>());
}

// One line of `cat --format jsonl`, every field checked against the schema in docs/CAT.md.
Seen ParseLine(const std::string& line) {
  json j = json::parse(line);
  Seen s;
  s.topic = j.at("topic").get<std::string>();
  s.partition = j.at("partition").get<int32_t>();
  s.record.offset = j.at("offset").get<int64_t>();
  s.record.timestamp = j.at("timestamp").get<int64_t>();
  const std::string type = j.at("timestamp_type").get<std::string>();
  s.record.timestamp_type = type == "CreateTime"      ? TimestampType::kCreateTime
                            : type == "LogAppendTime" ? TimestampType::kLogAppendTime
                                                      : TimestampType::kNotAvailable;
  EXPECT_EQ(j.at("time"), FormatTimestampMs(s.record.timestamp));
  s.record.key = Bytes(j, "key");
  s.record.value = Bytes(j, "value");
  for (const auto& h : j.at("headers")) {
    auto key = Bytes(h, "key");
    EXPECT_TRUE(key.has_value()) << "header keys are never null";
    s.record.headers.push_back({key.value_or(""), Bytes(h, "value")});
  }
  return s;
}

// Keys, values and headers in every shape: null, empty, UTF-8 text, bytes that are not UTF-8.
Record MakeRecord(int i, int64_t ts, std::mt19937& rng) {
  Record r;
  r.timestamp = ts;
  if (i % 10 == 0) r.key = std::nullopt;
  else if (i % 10 == 1) r.key = "";
  else r.key = "cust-" + std::to_string(i % 7);
  if (i % 9 == 0) {
    r.value = std::nullopt;
  } else if (i % 9 == 1) {
    r.value = "";
  } else if (i % 9 == 2) {
    std::string bin(300, '\0');
    for (char& c : bin) c = static_cast<char>(rng());
    bin[0] = '\xFF';  // never valid UTF-8
    r.value = bin;
  } else {
    r.value = "{\"payment_id\": \"PAY-" + std::to_string(i) + "\", \"note\": \"caf\xC3\xA9 \xE2\x82\xAC\", \"status\": \"" +
              (i % 50 == 3 ? "CORRUPTED" : "valid") + "\", \"pad\": \"" + std::string(200, 'x') + "\"}";
  }
  if (i % 3 == 1) r.headers = {{"trace", "t-" + std::to_string(i)}, {"trace", std::nullopt}};
  if (i % 3 == 2) r.headers = {{"bin", std::string("\xFF\xFE", 2)}, {"empty", ""}};
  return r;
}

class CatTest : public test::BrokerTopicsTest {
 protected:
  void SetUp() override {
    test::BrokerTopicsTest::SetUp();
    topic_ = NewTopic("cat", 2);
    std::mt19937 rng(14);
    for (int32_t p = 0; p < 2; ++p) {
      std::vector<Record> records;
      for (int i = 0; i < kPerPartition; ++i)
        records.push_back(MakeRecord(i, p == 0 && i == kLateIndex ? kLateTimestamp : kT0 + 10 * i + 5 * p, rng));
      test::ProduceRecords(topic_, p, records);
    }
    source_ = test::ReadTopic(topic_);
    ASSERT_EQ(source_[0].size(), static_cast<size_t>(kPerPartition));
    ASSERT_EQ(source_[1].size(), static_cast<size_t>(kPerPartition));
    dir_ = test::TempDir("cat");
  }

  // Several segments per partition, several blocks per segment.
  void BackUp(ObjectStore& store, const std::string& backup_id) {
    Config c = test::BackupConfig(backup_id, topic_, dir_);
    c.backup.block_bytes = 2048;
    c.backup.segment_max_records = 80;
    c.backup.capture_consumer_offsets = false;
    auto s = BackupEngine(c, store).Run();
    ASSERT_TRUE(s) << s.error().ToString();
    ASSERT_TRUE(s->errors.empty());
    ASSERT_EQ(s->records, 2u * kPerPartition);
  }

  // Source records that pass `keep`, by partition then offset: what cat must print.
  template <typename Keep>
  std::vector<Seen> Expected(Keep keep) {
    std::vector<Seen> out;
    for (const auto& [p, records] : source_)
      for (const auto& r : records)
        if (keep(p, r)) out.push_back({topic_, p, r});
    return out;
  }

  // Runs `kafka-backup -q cat ARGS`; returns its exit status, and its output lines in `lines`.
  int Cat(const std::vector<std::string>& args, std::vector<std::string>* lines,
          const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> all{"-q", "cat"};
    all.insert(all.end(), args.begin(), args.end());
    const std::string out = dir_ + "/" + test::UniqueName("cat") + ".out";
    int code = test::RunCli(all, out, env);
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) lines->push_back(line);
    return code;
  }
  std::vector<Seen> CatRecords(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> lines;
    int code = Cat(args, &lines, env);
    EXPECT_EQ(code, 0) << (lines.empty() ? "" : lines.front());
    std::vector<Seen> out;
    for (const auto& l : lines) {
      try {
        out.push_back(ParseLine(l));
      } catch (const std::exception& e) {
        ADD_FAILURE() << "not a JSON line (" << e.what() << "): " << l;
      }
    }
    return out;
  }

  // Streams the window through a CountingStore over `store` and checks that only the blocks the
  // window needs were fetched, partition by partition.
  void ExpectWindowReadsOnly(ObjectStore& store, const std::string& backup_id) {
    test::CountingStore counted(store);
    RecordFilter f;
    f.window = kWindow;
    uint64_t n = 0;
    auto stats = StreamBackupRecords(counted, backup_id, f, [&](auto&, auto, auto&) { return ++n > 0; });
    ASSERT_TRUE(stats) << stats.error().ToString();
    EXPECT_EQ(n, Expected([](int32_t, const Record& r) { return kWindow.Contains(r.timestamp); }).size());
    auto m = LoadManifest(store, backup_id);
    ASSERT_TRUE(m) << m.error().ToString();
    size_t needed = 0, segments = 0, blocks_total = 0;
    uint64_t stored = 0;
    for (const auto& p : m->topics.at(0).partitions) {
      needed += test::ExpectOnlyWindowReads(store, counted, p.segments, kWindow);
      segments += p.segments.size();
      for (const auto& s : p.segments) stored += s.stored_bytes;
    }
    EXPECT_GE(segments, 6u) << "the test needs several segments per partition";
    EXPECT_EQ(stats->blocks_read, needed);
    for (const auto& p : m->topics.at(0).partitions)
      for (const auto& s : p.segments) {
        auto reader = format::SegmentReader::Open(store, s.key, s.stored_bytes);
        ASSERT_TRUE(reader);
        blocks_total += reader->blocks().size();
      }
    EXPECT_LT(needed * 2, blocks_total) << "the window needs under half of the blocks";
    EXPECT_LT(stats->bytes_read * 2, stored) << "so cat reads under half of the backup";
  }

  std::string topic_;
  std::string dir_;
  std::map<int32_t, std::vector<Record>> source_;
};

TEST_F(CatTest, PrintsExactlyTheWindowWithEveryFieldFromADirectoryBackup) {
  auto sc = ParseStoragePath(dir_);
  ASSERT_TRUE(sc);
  auto store = OpenObjectStore(*sc);
  ASSERT_TRUE(store) << store.error().ToString();
  const std::string bid = test::UniqueName("cat-dir");
  BackUp(**store, bid);

  auto got = CatRecords({"--path", dir_, "--backup-id", bid, "--time-window-start", std::to_string(*kWindow.start),
                         "--time-window-end", FormatTimestampMs(*kWindow.end)});
  auto want = Expected([](int32_t, const Record& r) { return kWindow.Contains(r.timestamp); });
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);
  // The window holds every shape of field, and the late record in its place by offset.
  auto count = [&](auto pred) { return std::count_if(want.begin(), want.end(), pred); };
  EXPECT_GT(count([](const Seen& s) { return !s.record.key; }), 0);
  EXPECT_GT(count([](const Seen& s) { return s.record.key && s.record.key->empty(); }), 0);
  EXPECT_GT(count([](const Seen& s) { return !s.record.value; }), 0);
  EXPECT_GT(count([](const Seen& s) { return s.record.value && s.record.value->empty(); }), 0);
  EXPECT_GT(count([](const Seen& s) { return s.record.value && s.record.value->front() == '\xFF'; }), 0);
  EXPECT_EQ(count([](const Seen& s) { return s.record.timestamp == kLateTimestamp; }), 1);

  ExpectWindowReadsOnly(**store, bid);

  // --format text: one line per record, starting with topic, partition, offset and time.
  std::vector<std::string> lines;
  ASSERT_EQ(Cat({"--path", dir_, "--backup-id", bid, "--partition", "1", "--limit", "2", "--format", "text"}, &lines), 0);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind(topic_ + " 1 0 " + FormatTimestampMs(kT0 + 5) + " CreateTime key=null value=null", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1].rfind(topic_ + " 1 1 " + FormatTimestampMs(kT0 + 15) + " CreateTime key=\"\" value=\"\" header \"trace\"=", 0), 0u)
      << lines[1];
}

TEST_F(CatTest, PrintsExactlyTheWindowAndFiltersFromAMinioBackup) {
  StorageConfig sc;
  sc.backend = StorageBackendKind::kS3;
  sc.bucket = test::RequireEnv("KB_S3_BUCKET");
  sc.prefix = test::UniqueName("cat");
  sc.endpoint = test::RequireEnv("KB_S3_ENDPOINT");
  sc.region = test::RequireEnv("KB_S3_REGION");
  sc.access_key = test::RequireEnv("KB_S3_ACCESS_KEY");
  sc.secret_key = test::RequireEnv("KB_S3_SECRET_KEY");
  auto s3 = OpenObjectStore(sc);
  ASSERT_TRUE(s3) << s3.error().ToString();
  const std::string bid = test::UniqueName("cat-s3");
  BackUp(**s3, bid);
  const std::map<std::string, std::string> env{{"AWS_ENDPOINT_URL", sc.endpoint}, {"AWS_REGION", sc.region},
                                               {"AWS_ACCESS_KEY_ID", sc.access_key},
                                               {"AWS_SECRET_ACCESS_KEY", sc.secret_key}};
  const std::string path = "s3://" + sc.bucket + "/" + sc.prefix;
  const std::vector<std::string> window{"--time-window-start", FormatTimestampMs(*kWindow.start), "--time-window-end",
                                        std::to_string(*kWindow.end)};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"--path", path, "--backup-id", bid};
    args.insert(args.end(), window.begin(), window.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  auto got = CatRecords(with({}), env);
  EXPECT_EQ(got, Expected([](int32_t, const Record& r) { return kWindow.Contains(r.timestamp); }));
  EXPECT_FALSE(got.empty());

  got = CatRecords(with({"--topic", topic_, "--grep", "CORRUPTED"}), env);
  auto corrupted = Expected([](int32_t, const Record& r) {
    return kWindow.Contains(r.timestamp) && r.value && r.value->find("CORRUPTED") != std::string::npos;
  });
  EXPECT_EQ(got, corrupted);
  EXPECT_FALSE(corrupted.empty());

  got = CatRecords(with({"--partition", "1", "--key", "cust-3", "--limit", "4"}), env);
  auto keyed = Expected([](int32_t p, const Record& r) { return p == 1 && kWindow.Contains(r.timestamp) && r.key == "cust-3"; });
  ASSERT_GT(keyed.size(), 4u);
  keyed.resize(4);
  EXPECT_EQ(got, keyed);

  ExpectWindowReadsOnly(**s3, bid);
}

TEST_F(CatTest, UsageErrorsExitTwoAndAMissingBackupExitsOne) {
  auto sc = ParseStoragePath(dir_);
  ASSERT_TRUE(sc);
  auto store = OpenObjectStore(*sc);
  ASSERT_TRUE(store);
  const std::string bid = test::UniqueName("cat-err");
  BackUp(**store, bid);
  std::vector<std::string> lines;
  EXPECT_EQ(Cat({"--path", dir_, "--backup-id", bid, "--grep", "(unclosed"}, &lines), 2);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("--grep '(unclosed'"), std::string::npos) << lines.front();
  lines.clear();
  EXPECT_EQ(Cat({"--path", dir_, "--backup-id", bid, "--time-window-start", "2026-01-02T00:00:00Z",
                 "--time-window-end", "2026-01-01T00:00:00Z"}, &lines), 2);
  lines.clear();
  EXPECT_EQ(Cat({"--path", dir_, "--backup-id", bid, "--format", "csv"}, &lines), 2);
  lines.clear();
  EXPECT_EQ(Cat({"--path", dir_, "--backup-id", bid, "--topic", "no-such-topic"}, &lines), 1);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("its topics: " + topic_), std::string::npos) << lines.front();
  lines.clear();
  EXPECT_EQ(Cat({"--path", dir_, "--backup-id", "no-such-backup"}, &lines), 1);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("backup 'no-such-backup' not found"), std::string::npos) << lines.front();
}

}  // namespace
}  // namespace kb
