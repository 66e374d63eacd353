// PruneLoop: a continuous backup's retention (backup.retention). Prunes the backup once at start
// and then every interval, on its own thread, until destroyed. A failed pass is a side task's
// failure: it is logged, counted and tried again at the next pass, and never ends the backup.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "retention/prune.h"

namespace kb {

class PruneLoop {
 public:
  PruneLoop(ObjectStore& store, std::string backup_id, int64_t keep_within_ms, int64_t interval_ms);
  ~PruneLoop();
  PruneLoop(const PruneLoop&) = delete;
  PruneLoop& operator=(const PruneLoop&) = delete;

  uint64_t passes() const { return passes_; }
  uint64_t failures() const { return failures_; }
  uint64_t objects_removed() const { return objects_removed_; }
  uint64_t bytes_removed() const { return bytes_removed_; }

 private:
  void Main();

  ObjectStore& store_;
  const std::string backup_id_;
  const int64_t keep_within_ms_, interval_ms_;
  std::atomic<uint64_t> passes_{0}, failures_{0}, objects_removed_{0}, bytes_removed_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// One pass, logged: what a one-shot backup with backup.retention runs after it has stored its
// data. Returns whether it succeeded (a failure is logged as a warning).
bool PruneAndLog(ObjectStore& store, const std::string& backup_id, int64_t keep_within_ms,
                 PruneReport* report = nullptr);

}  // namespace kb
