// OutageTracker: what a dependency that is being retried (the backup's storage) looks like from
// outside, for /health and /metrics: since when calls keep failing, how many calls are waiting for
// it, how many writes (and bytes) are pending, the last error. Thread safe; cheap to update.
//
// A call that fails and will be retried enters the outage (Failed); when it ends, successfully or
// not, it leaves (CallEnded). The outage is over when no call is retrying any more.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace kb {

struct OutageState {
  bool retrying = false;       // some call is failing and being retried right now
  int64_t since_ms = 0;        // wall-clock ms of the first failure of this outage
  uint64_t calls_retrying = 0; // calls waiting for the next try
  uint64_t pending_writes = 0; // writes started and not finished (retrying or in flight)
  uint64_t pending_bytes = 0;
  uint64_t retries_total = 0;  // failed tries that were retried, since start
  std::string last_error;      // of the current outage
};

class OutageTracker {
 public:
  // A try of a call failed with `error` and the call will try again. `first` = its first failure.
  // True when this begins an outage (no call was failing before): the moment to tell the user.
  bool Failed(const std::string& error, bool first);
  // A call that had failed at least once has ended. True when that ends the outage; then
  // `lasted_ms` (if given) receives how long it lasted.
  bool CallEnded(int64_t* lasted_ms = nullptr);
  // A write of `bytes` starts / ends (whatever its outcome).
  void WriteStarted(uint64_t bytes);
  void WriteEnded(uint64_t bytes);
  OutageState State() const;

 private:
  mutable std::mutex mu_;
  OutageState state_;
};

// Counts one write as pending for as long as it lives.
class PendingWrite {
 public:
  PendingWrite(OutageTracker& t, uint64_t bytes) : t_(t), bytes_(bytes) { t_.WriteStarted(bytes_); }
  ~PendingWrite() { t_.WriteEnded(bytes_); }
  PendingWrite(const PendingWrite&) = delete;
  PendingWrite& operator=(const PendingWrite&) = delete;

 private:
  OutageTracker& t_;
  uint64_t bytes_;
};

}  // namespace kb
