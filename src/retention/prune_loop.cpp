#include "retention/prune_loop.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/time_util.h"

namespace kb {

bool PruneAndLog(ObjectStore& store, const std::string& backup_id, int64_t keep_within_ms, PruneReport* out) {
  PruneOptions options;
  options.keep_within_ms = keep_within_ms;
  auto report = Prune(store, backup_id, options);
  if (!report) {
    spdlog::warn("retention: pruning backup '{}' failed (tried again at the next pass): {}", backup_id,
                 report.error().message);
    return false;
  }
  if (report->objects_removed > 0 || !report->kept.empty() || !report->deferred_by.empty())
    spdlog::info("retention: pruned backup '{}' to {} ({}): removed {} objects ({} segments, {} bytes), {} kept "
                 "under Object Lock{}",
                 backup_id, FormatDurationMs(keep_within_ms), FormatTimestampMs(report->horizon_ms),
                 report->objects_removed, report->segments_removed, report->bytes_removed, report->kept.size(),
                 report->deferred_by.empty() ? std::string()
                                             : "; removals wait for " + report->deferred_by.front());
  if (out) *out = std::move(*report);
  return true;
}

PruneLoop::PruneLoop(ObjectStore& store, std::string backup_id, int64_t keep_within_ms, int64_t interval_ms)
    : store_(store), backup_id_(std::move(backup_id)), keep_within_ms_(keep_within_ms), interval_ms_(interval_ms) {
  thread_ = std::thread([this] { Main(); });
}

PruneLoop::~PruneLoop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PruneLoop::Main() {
  std::unique_lock lock(mu_);
  do {
    lock.unlock();
    PruneReport report;
    if (PruneAndLog(store_, backup_id_, keep_within_ms_, &report)) {
      objects_removed_ += report.objects_removed;
      bytes_removed_ += report.bytes_removed;
    } else {
      failures_++;
    }
    passes_++;
    lock.lock();
  } while (!wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; }));
}

}  // namespace kb
