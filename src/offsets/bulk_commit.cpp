#include "offsets/bulk_commit.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/stop.h"

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

namespace {
// A group failed in a way worth another try: a whole-request error or partitions refused while
// the coordinator was busy, never an active group or a verification mismatch.
bool Retryable(const GroupCommitResult& r) {
  if (r.ok() || r.refused) return false;
  auto transient = [](const std::string& e) {
    for (const char* w : {"timed out", "Timed out", "coordinator", "Coordinator", "not available", "unavailable",
                          "Unavailable", "retry", "NOT_COORDINATOR", "LOAD_IN_PROGRESS", "could not reach"})
      if (e.find(w) != std::string::npos) return true;
    return false;
  };
  if (!r.error.empty()) return transient(r.error);
  for (const auto& p : r.partitions)
    if (!p.error.empty() && transient(p.error)) return true;
  return false;
}
}  // namespace

BulkReport RunBulk(const std::map<std::string, std::vector<kafka::GroupOffset>>& commits, const BulkOptions& options,
                   const GroupCommitFn& commit) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, const std::vector<kafka::GroupOffset>*>> work;
  for (const auto& [g, o] : commits) work.push_back({g, &o});
  BulkReport report;
  report.groups.resize(work.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < work.size(); i = next++) {
      auto t0 = std::chrono::steady_clock::now();
      auto backoff = std::chrono::milliseconds(200);
      GroupCommitResult r;
      int tries = 0;
      for (;;) {
        r = commit(work[i].first, *work[i].second);
        ++tries;
        if (!Retryable(r) || tries > options.max_retries || StopRequested()) break;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
      r.attempts = tries;
      r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      report.groups[i] = std::move(r);
    }
  };
  size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(1, options.max_concurrency)), 1, std::max<size_t>(1, work.size()));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < n; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
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
