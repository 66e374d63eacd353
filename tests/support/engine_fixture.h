// EngineMemoryKafka: the backup and restore engines on a source and a target MemoryKafka, with a
// MemoryStore of the test's own, and the checks the engine tests share (tests/unit/engine_test.cpp
// and engine_modes_test.cpp). Nothing here talks to a broker or to disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backup/backup_engine.h"
#include "config/config.h"
#include "core/record.h"
#include "format/offset_mapping.h"
#include "kafka/client_config.h"
#include "restore/restore_engine.h"
#include "storage/memory_store.h"
#include "support/memory_kafka.h"

namespace kb::test {

// A client config MemoryKafka accepts: it only checks that a bootstrap server is given.
kafka::KafkaClientConfig MemoryClient();

// One line per entry, for error lists in failure messages.
std::string Join(const std::vector<std::string>& lines);

// Every field a restore keeps: all but the offset, which the target assigns.
void ExpectSameRecords(const std::vector<Record>& want, const std::vector<Record>& got, const std::string& where);

// A partition's mapping as (source offset, target offset), one pair per restored record.
std::vector<std::pair<int64_t, int64_t>> Pairs(const OffsetMapping& mapping, const std::string& topic, int32_t p);

std::vector<int64_t> Offsets(const std::vector<Record>& records);

class EngineMemoryKafka : public ::testing::Test {
 protected:
  void SetUp() override;
  // A test that raised the stop (continuous mode) must not stop the tests after it.
  void TearDown() override;

  // A backup of the topics `include` matches (a name or a glob); `keys` are more lines of the
  // backup: section.
  Config BackupConfig(const std::string& keys = "", const std::string& include = "orders");
  // A restore of backup b1 into target_, creating its topics; `keys` are more lines of restore:.
  Config RestoreConfig(const std::string& keys = "");

  // Runs a backup that must succeed.
  BackupSummary Backup(const Config& config, BackupHooks hooks = {});
  // Runs a restore into target_; whether it completed is the test's to check.
  RestoreResult Restore(const Config& config);

  MemoryKafka source_, target_;
  std::unique_ptr<MemoryStore> store_;

 private:
  std::string StorageYaml() const;
  static Config Parse(const std::string& yaml);

  std::string store_name_;
};

}  // namespace kb::test
