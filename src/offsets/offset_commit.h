// Committing a group's offsets safely: the rule every offset-changing command (rollback,
// offset-reset, bulk, three-phase-restore) follows.
//
// Contract of CommitGroupOffsets:
// 1. The group must have no active members (state Empty or Dead); otherwise it is refused
//    (kConflict, nothing written) unless `force`.
// 2. Offsets are committed with AdminClient::AlterGroupOffsets (librdkafka routes the request
//    to the group's coordinator). Whole-request failures that are retryable are retried with
//    `retry`; partitions the broker refused are reported one by one.
// 3. With `delete_extra`, committed offsets of partitions not in `wanted` are removed.
// 4. With `verify`, the offsets are read back and every wanted partition is compared.
// The result is ok() only when every partition was committed (and verified when asked).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/retry.h"
#include "kafka/admin_client.h"

namespace kb::offsets {

// One partition whose committed offset is not what was expected. actual = nullopt: no offset
// is committed there.
struct OffsetMismatch {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t expected = -1;
  std::optional<int64_t> actual;
};

// Every partition of `expected` whose offset in `actual` differs or is missing. Pure.
std::vector<OffsetMismatch> CompareOffsets(const std::string& group, const std::vector<kafka::GroupOffset>& expected,
                                           const std::vector<kafka::GroupOffset>& actual);

struct CommitOptions {
  bool force = false;
  bool verify = true;
  bool delete_extra = false;
  RetryPolicy retry;
};

struct PartitionCommit {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;                // what was to be committed
  std::optional<int64_t> read_back;   // set when verified
  std::string error;                  // "" when fine
};

struct GroupCommitResult {
  std::string group;
  std::string state;                  // group state seen before committing
  size_t active_members = 0;
  bool refused = false;               // active members and no --force: nothing written
  std::string error;                  // whole-group failure, "" if none
  // The failure may pass on another try (a timeout, the coordinator moving or loading); set
  // from the typed errors of the calls, never from message text.
  bool retryable = false;
  std::vector<PartitionCommit> partitions;
  std::vector<kafka::TopicPartition> deleted;  // delete_extra removals
  bool verified = false;
  int attempts = 0;
  double latency_ms = 0;
  bool ok() const;
  size_t failed_partitions() const;
  nlohmann::json ToJson() const;
};

GroupCommitResult CommitGroupOffsets(kafka::AdminClient& admin, const std::string& group,
                                     const std::vector<kafka::GroupOffset>& wanted, const CommitOptions& options);

// kConflict naming the group and its members when it has active members, else nothing.
Status CheckGroupInactive(kafka::AdminClient& admin, const std::string& group);

}  // namespace kb::offsets
