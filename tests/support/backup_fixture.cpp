#include "support/backup_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "catalog/catalog_reader.h"
#include "format/segment.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/test_env.h"

namespace kb::test {

Record Rec(int64_t ts, std::optional<std::string> key, std::optional<std::string> value,
           std::vector<RecordHeader> headers) {
  Record r;
  r.timestamp = ts;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

kafka::KafkaClientConfig BrokerClientConfig() {
  kafka::KafkaClientConfig c;
  c.bootstrap_servers = {RequireEnv("KB_BOOTSTRAP")};
  return c;
}

std::unique_ptr<kafka::AdminClient> Admin() {
  auto a = kafka::AdminClient::Create(BrokerClientConfig());
  EXPECT_TRUE(a) << a.error().ToString();
  return a ? std::move(*a) : nullptr;
}

void CreateTopic(const std::string& topic, int partitions, const std::map<std::string, std::string>& configs) {
  auto admin = Admin();
  ASSERT_TRUE(admin);
  auto st = admin->CreateTopic(topic, partitions, 1, configs);
  ASSERT_TRUE(st) << st.error().ToString();
}

void ProduceRecords(const std::string& topic, int32_t partition, const std::vector<Record>& records) {
  auto p = kafka::Producer::Create(BrokerClientConfig());
  ASSERT_TRUE(p) << p.error().ToString();
  for (const auto& r : records) {
    auto st = (*p)->Produce(topic, partition, r);
    ASSERT_TRUE(st) << st.error().ToString();
  }
  auto st = (*p)->Flush(std::chrono::seconds(30));
  ASSERT_TRUE(st) << st.error().ToString();
}

std::map<int32_t, std::vector<Record>> ReadTopic(const std::string& topic) {
  using namespace std::chrono_literals;
  std::map<int32_t, std::vector<Record>> out;
  auto admin = Admin();
  if (!admin) return out;
  auto info = admin->DescribeTopic(topic);
  EXPECT_TRUE(info) << info.error().ToString();
  if (!info) return out;
  auto consumer = kafka::PartitionConsumer::Create(BrokerClientConfig());
  EXPECT_TRUE(consumer);
  if (!consumer) return out;
  std::vector<kafka::PartitionStart> starts;
  std::map<int32_t, int64_t> end;
  for (const auto& p : info->partitions) {
    starts.push_back({topic, p.id, kafka::kOffsetBeginning});
    auto wm = admin->Watermarks(topic, p.id);
    EXPECT_TRUE(wm);
    end[p.id] = wm ? wm->high : 0;
    out[p.id];
  }
  EXPECT_TRUE((*consumer)->Assign(starts));
  auto done = [&] {
    for (const auto& [p, e] : end)
      if (static_cast<int64_t>(out[p].size()) < e && (out[p].empty() || out[p].back().offset + 1 < e)) return false;
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    auto events = (*consumer)->Poll(200ms);
    EXPECT_TRUE(events);
    if (!events) break;
    for (auto& ev : *events)
      if (ev.kind == kafka::ConsumerEvent::Kind::kRecord) out[ev.partition].push_back(ev.record);
  }
  EXPECT_TRUE(done()) << "timed out reading " << topic;
  return out;
}

Config BackupConfig(const std::string& backup_id, const std::string& topic, const std::string& dir) {
  Config c;
  c.mode = "backup";
  c.backup_id = backup_id;
  c.source.emplace();
  c.source->bootstrap_servers = {RequireEnv("KB_BOOTSTRAP")};
  c.source->topics.include = {topic};
  c.storage.backend = StorageBackendKind::kFilesystem;
  c.storage.path = dir;
  c.storage_given = true;
  return c;
}

StorageConfig MinioStorage(const std::string& prefix) {
  StorageConfig s;
  s.backend = StorageBackendKind::kS3;
  s.bucket = RequireEnv("KB_S3_BUCKET");
  s.prefix = prefix;
  s.endpoint = RequireEnv("KB_S3_ENDPOINT");
  s.region = RequireEnv("KB_S3_REGION");
  s.access_key = RequireEnv("KB_S3_ACCESS_KEY");
  s.secret_key = RequireEnv("KB_S3_SECRET_KEY");
  s.path_style = true;
  return s;
}

std::string StorageYaml(const StorageConfig& s) {
  if (s.backend == StorageBackendKind::kFilesystem)
    return "storage:\n  backend: filesystem\n  path: " + s.path + "\n";
  return "storage:\n  backend: s3\n  bucket: " + s.bucket + "\n  prefix: " + s.prefix + "\n  endpoint: " + s.endpoint +
         "\n  region: " + s.region + "\n  path_style: true\n  access_key: " + s.access_key +
         "\n  secret_key: " + s.secret_key + "\n";
}

std::vector<Record> ReadBackup(ObjectStore& store, const std::string& backup_id, const std::string& topic,
                               int32_t partition) {
  std::vector<Record> out;
  auto m = LoadManifest(store, backup_id);
  EXPECT_TRUE(m) << m.error().ToString();
  if (!m) return out;
  auto* t = m->FindTopic(topic);
  if (!t) return out;
  auto* p = t->FindPartition(partition);
  if (!p) return out;
  for (const auto& s : p->segments) {
    auto reader = format::SegmentReader::Open(store, s.key, s.stored_bytes);
    EXPECT_TRUE(reader) << reader.error().ToString();
    if (!reader) return out;
    for (size_t b = 0; b < reader->blocks().size(); ++b) {
      auto records = reader->ReadBlock(b);
      EXPECT_TRUE(records) << records.error().ToString();
      if (!records) return out;
      out.insert(out.end(), records->begin(), records->end());
    }
  }
  return out;
}

std::string TempDir(const std::string& stem) {
  auto dir = std::filesystem::temp_directory_path() / UniqueName("kb-" + stem);
  std::filesystem::create_directories(dir);
  return dir.string();
}

pid_t StartCli(const std::vector<std::string>& args, const std::string& log,
               const std::map<std::string, std::string>& env) {
  pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    FILE* f = std::freopen(log.c_str(), "a", stdout);
    (void)f;
    dup2(fileno(stdout), 2);
    std::vector<char*> argv;
    std::string bin = KB_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int WaitCli(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int RunCli(const std::vector<std::string>& args, const std::string& log, const std::map<std::string, std::string>& env) {
  return WaitCli(StartCli(args, log, env));
}

void BrokerTopicsTest::SetUp() {
  admin_ = Admin();
  ASSERT_TRUE(admin_);
}

void BrokerTopicsTest::TearDown() {
  if (admin_)
    for (const auto& t : topics_) (void)admin_->DeleteTopic(t);
}

std::string BrokerTopicsTest::NewTopic(const std::string& stem, int32_t partitions,
                                       const std::map<std::string, std::string>& configs) {
  std::string topic = UniqueName(stem);
  auto st = admin_->CreateTopic(topic, partitions, 1, configs);
  EXPECT_TRUE(st) << st.error().ToString();
  topics_.push_back(topic);
  return topic;
}

std::string BrokerTopicsTest::Track(std::string topic) {
  topics_.push_back(topic);
  return topic;
}

}  // namespace kb::test
