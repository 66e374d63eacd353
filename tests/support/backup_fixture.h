// Helpers for tests that back up real topics: a broker config, topic creation, producing
// records, running the engine, and reading a backup back record by record.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/record.h"
#include "kafka/admin_client.h"
#include "storage/backend.h"

namespace kb::test {

kafka::KafkaClientConfig BrokerClientConfig();
std::unique_ptr<kafka::AdminClient> Admin();
// Creates a topic on the single broker; fails the test on error.
void CreateTopic(const std::string& topic, int partitions, const std::map<std::string, std::string>& configs = {});
// Produces records to one partition and waits for delivery; fails the test on error.
void ProduceRecords(const std::string& topic, int32_t partition, const std::vector<Record>& records);
// Config for a backup of `topic` (glob allowed) into a local directory.
Config BackupConfig(const std::string& backup_id, const std::string& topic, const std::string& dir);
// Every record of one partition in a backup, in stored order (reads every block).
std::vector<Record> ReadBackup(ObjectStore& store, const std::string& backup_id, const std::string& topic,
                               int32_t partition);
// A fresh temp directory.
std::string TempDir(const std::string& stem);
// Runs the kafka-backup binary with args; returns its exit status. Output goes to `log`.
int RunCli(const std::vector<std::string>& args, const std::string& log = "/dev/null",
           const std::map<std::string, std::string>& env = {});

}  // namespace kb::test
