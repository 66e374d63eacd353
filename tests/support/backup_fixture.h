// Helpers for tests that back up real topics: a broker config, topic creation, producing
// records, running the engine, and reading a backup back record by record.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/record.h"
#include "kafka/admin_client.h"
#include "storage/backend.h"

#include <gtest/gtest.h>

namespace kb::test {

// A record with these fields (offset unset: the broker assigns it).
Record Rec(int64_t ts, std::optional<std::string> key, std::optional<std::string> value,
           std::vector<RecordHeader> headers = {});

kafka::KafkaClientConfig BrokerClientConfig();
std::unique_ptr<kafka::AdminClient> Admin();
// Creates a topic on the single broker; fails the test on error.
void CreateTopic(const std::string& topic, int partitions, const std::map<std::string, std::string>& configs = {});
// Produces records to one partition and waits for delivery; fails the test on error.
void ProduceRecords(const std::string& topic, int32_t partition, const std::vector<Record>& records);
// Config for a backup of `topic` (glob allowed) into a local directory.
Config BackupConfig(const std::string& backup_id, const std::string& topic, const std::string& dir);
// Every record of every partition of `topic` on the single broker, by partition, in offset order,
// read with a real consumer up to the end offsets it has now.
std::map<int32_t, std::vector<Record>> ReadTopic(const std::string& topic);
// Storage in the test MinIO (KB_S3_* of the env file): bucket KB_S3_BUCKET, keys under `prefix`.
StorageConfig MinioStorage(const std::string& prefix);
// The `storage:` section of a YAML config for `s` (s3 or filesystem), ending in a newline.
std::string StorageYaml(const StorageConfig& s);
// Every record of one partition in a backup, in stored order (reads every block).
std::vector<Record> ReadBackup(ObjectStore& store, const std::string& backup_id, const std::string& topic,
                               int32_t partition);
// A fresh temp directory.
std::string TempDir(const std::string& stem);
// Starts the kafka-backup binary with args (and `env` added); stdout and stderr are appended to
// `log`. Returns the child's pid.
pid_t StartCli(const std::vector<std::string>& args, const std::string& log,
               const std::map<std::string, std::string>& env = {});
// Waits for a child of StartCli: its exit status, or 128 + the signal that ended it.
int WaitCli(pid_t pid);
// Runs the kafka-backup binary with args; returns its exit status. Output goes to `log`.
int RunCli(const std::vector<std::string>& args, const std::string& log = "/dev/null",
           const std::map<std::string, std::string>& env = {});

// A fixture with an AdminClient on the single test broker; topics made with NewTopic, or handed
// to Track, are deleted after the test.
class BrokerTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Creates a topic named UniqueName(stem); a failure fails the test.
  std::string NewTopic(const std::string& stem, int32_t partitions,
                       const std::map<std::string, std::string>& configs = {});
  std::string Track(std::string topic);

  std::unique_ptr<kafka::AdminClient> admin_;
  std::vector<std::string> topics_;
};

}  // namespace kb::test
