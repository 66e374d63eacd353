// What the fault tests share: the 3-node cluster and MinIO of scripts/servers-up.sh, ways to break
// them (scripts/kafka-node.sh, scripts/minio-ctl.sh), a writer that keeps producing through the
// faults, the kafka-backup binary as a child process, and record-by-record checks.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/admin_client.h"
#include "storage/backend.h"
#include "storage/storage_config.h"

namespace kb::faults {

using Clock = std::chrono::steady_clock;

// The 3-node cluster (KB_CLUSTER_BOOTSTRAP).
kafka::KafkaClientConfig Cluster();
std::string ClusterBootstrap();
std::unique_ptr<kafka::AdminClient> ClusterAdmin();

// scripts/kafka-node.sh --name cluster --node N ACTION (stop | kill | start); fails the test on error.
void KafkaNode(int node, const std::string& action);
// scripts/minio-ctl.sh --name minio ACTION (stop | start); fails the test on error.
void Minio(const std::string& action);

// The broker leading `topic` `partition` now (waits until it has one).
int32_t LeaderOf(kafka::AdminClient& admin, const std::string& topic, int32_t partition);
// Waits until every partition of `topics` has a leader and all its replicas in sync.
void WaitInSync(kafka::AdminClient& admin, const std::vector<std::string>& topics,
                std::chrono::seconds timeout = std::chrono::seconds(120));
// Creates `topic` with 3 replicas and waits until they are in sync.
void CreateReplicatedTopic(kafka::AdminClient& admin, const std::string& topic, int32_t partitions);

// Keeps producing records with values "<tag>-<n>" round robin over `partitions` partitions
// (idempotent, acks=all, so retries through faults write each record once) until Stop.
class Writer {
 public:
  Writer(std::string topic, int32_t partitions, std::string tag, int per_second);
  ~Writer();
  // Stops producing, waits for every record to be confirmed, and returns the confirmed values.
  // A record the broker did not confirm fails the test.
  std::vector<std::string> Stop();
  uint64_t confirmed() const { return confirmed_.load(); }

 private:
  void Run();
  std::string topic_, tag_;
  int32_t partitions_;
  int per_second_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> confirmed_{0};
  std::mutex mu_;
  std::vector<std::string> values_;
  std::string error_;
  std::thread thread_;
};

// Produces `count` records "<tag>-<n>" over `partitions` partitions and waits for them.
std::vector<std::string> ProduceValues(const std::string& topic, int32_t partitions, const std::string& tag, int count);
// Every record value in `topic` (all partitions), read back from the cluster.
std::vector<std::string> TopicValues(const std::string& topic);
// Every record value of `topic` in backup `backup_id`.
std::vector<std::string> BackupValues(ObjectStore& store, const std::string& backup_id, const std::string& topic);
// Whether `got` holds each value of `want` exactly once and nothing else; names the differences.
::testing::AssertionResult ExactlyOnce(const std::vector<std::string>& want, const std::vector<std::string>& got);

// The kafka-backup binary as a child process; output goes to a log file.
class Cli {
 public:
  explicit Cli(const std::vector<std::string>& args);
  ~Cli();  // a child still running is killed
  // Waits up to `limit` for the exit status (128 + signal if killed); -1 and a test failure on timeout.
  int Wait(std::chrono::seconds limit);
  // Sends `sig` and waits up to `limit`: the exit status, and how long it took in `took`.
  int SignalAndWait(int sig, std::chrono::seconds limit, std::chrono::duration<double>* took);
  void Signal(int sig);
  std::string Output() const;
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// A YAML file with `text`, in a fresh temp directory; returns its path.
std::string WriteConfig(const std::string& text);
// The MinIO storage of this test (its own prefix) and its YAML `storage:` section.
StorageConfig TestStorage(const std::string& stem);
// GET http://127.0.0.1:port/path; "" when nothing answers.
std::string HttpGet(int port, const std::string& path);
// The value of a Prometheus sample named `name` in `text`, or -1.
double Metric(const std::string& text, const std::string& name);
// Waits up to `limit` for `pred`, checking every 200 ms; false on timeout.
bool WaitFor(const std::function<bool()>& pred, std::chrono::seconds limit);

// Every fault test starts and ends with all three brokers and MinIO up: whatever a test stopped is
// started again in TearDown, even when the test failed half way.
class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<kafka::AdminClient> admin_;
  std::vector<std::string> topics_;  // deleted in TearDown
};

}  // namespace kb::faults
