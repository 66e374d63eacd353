// BulkCommit: commits many groups' offsets at once. Groups run concurrently on up to
// `max_concurrency` threads (ParallelFor) sharing one AdminClient (thread-safe); each group is
// tried at most 1 + max_retries times under the RetryPolicy when its failure is retryable
// (GroupCommitResult::retryable: the coordinator loading or moving, a timeout). Never retries a
// refused (active) group or a verification mismatch.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kafka/admin_client.h"
#include "offsets/offset_commit.h"

namespace kb::offsets {

struct BulkOptions {
  int max_concurrency = 8;
  int max_retries = 3;
  CommitOptions commit;
};

struct BulkReport {
  std::vector<GroupCommitResult> groups;  // in the order given
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  size_t ok_groups() const;
  bool all_ok() const { return ok_groups() == groups.size(); }
  nlohmann::json ToJson() const;
};

// Nearest-rank percentile of `values` (q in [0,1]); 0 when empty. Pure.
double Percentile(std::vector<double> values, double q);

using GroupCommitFn = std::function<GroupCommitResult(const std::string& group, const std::vector<kafka::GroupOffset>&)>;

// Runs `commit` for every group concurrently, with retries; the seam unit tests use.
BulkReport RunBulk(const std::map<std::string, std::vector<kafka::GroupOffset>>& commits, const BulkOptions& options,
                   const GroupCommitFn& commit);

// RunBulk with CommitGroupOffsets on `admin`.
BulkReport BulkCommit(kafka::AdminClient& admin, const std::map<std::string, std::vector<kafka::GroupOffset>>& commits,
                      const BulkOptions& options);

}  // namespace kb::offsets
