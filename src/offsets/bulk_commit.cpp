#include "offsets/bulk_commit.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/parallel.h"
#include "core/retry.h"

namespace kb::offsets {

using nlohmann::json;

size_t BulkReport::ok_groups() const {
  return static_cast<size_t>(std::count_if(groups.begin(), groups.end(), [](const auto& g) { return g.ok(); }));
}

json BulkReport::ToJson() const {
  json j{{"groups_total", groups.size()}, {"groups_ok", ok_groups()}, {"groups_failed", groups.size() - ok_groups()},
         {"seconds", seconds}, {"latency_ms", {{"p50", p50_ms}, {"p99", p99_ms}, {"max", max_ms}}},
         {"groups", json::array()}};
  for (const auto& g : groups) j["groups"].push_back(g.ToJson());
  return j;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}


BulkReport RunBulk(const std::map<std::string, std::vector<kafka::GroupOffset>>& commits, const BulkOptions& options,
                   const GroupCommitFn& commit) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, const std::vector<kafka::GroupOffset>*>> work;
  for (const auto& [g, o] : commits) work.push_back({g, &o});
  BulkReport report;
  report.groups.resize(work.size());
  // A group is tried again only when its failure may pass (typed, GroupCommitResult::retryable):
  // never an active group or a verification mismatch.
  RetryPolicy retry;
  retry.max_attempts = 1 + std::max(0, options.max_retries);
  retry.initial_backoff = std::chrono::milliseconds(200);
  retry.max_backoff = std::chrono::milliseconds(5000);
  retry.deadline = std::chrono::minutes(10);  // max_attempts bounds it
  ParallelFor(work.size(), static_cast<size_t>(std::max(1, options.max_concurrency)), [&](size_t i) {
    auto t0 = std::chrono::steady_clock::now();
    GroupCommitResult r;
    int tries = 0;
    auto outcome = retry.Run<bool>([&]() -> Result<bool> {
      r = commit(work[i].first, *work[i].second);
      ++tries;
      if (r.ok() || r.refused || !r.retryable) return true;
      return Fail(ErrorCode::kUnavailable, r.error, /*retryable=*/true);
    });
    (void)outcome;  // the group's own result says how it ended
    r.attempts = tries;
    r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    report.groups[i] = std::move(r);
  });
  std::vector<double> lat;
  for (const auto& g : report.groups) lat.push_back(g.latency_ms);
  report.p50_ms = Percentile(lat, 0.50);
  report.p99_ms = Percentile(lat, 0.99);
  report.max_ms = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

BulkReport BulkCommit(kafka::AdminClient& admin, const std::map<std::string, std::vector<kafka::GroupOffset>>& commits,
                      const BulkOptions& options) {
  return RunBulk(commits, options, [&](const std::string& g, const std::vector<kafka::GroupOffset>& o) {
    return CommitGroupOffsets(admin, g, o, options.commit);
  });
}

}  // namespace kb::offsets
