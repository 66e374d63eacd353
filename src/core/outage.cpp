#include "core/outage.h"

#include "core/time_util.h"

namespace kb {

bool OutageTracker::Failed(const std::string& error, bool first) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool begins = !state_.retrying;
  if (begins) state_.since_ms = NowMs();
  state_.retrying = true;
  if (first) ++state_.calls_retrying;
  ++state_.retries_total;
  state_.last_error = error;
  return begins;
}

bool OutageTracker::CallEnded(int64_t* lasted_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_.calls_retrying > 0) --state_.calls_retrying;
  if (state_.calls_retrying > 0 || !state_.retrying) return false;
  if (lasted_ms) *lasted_ms = NowMs() - state_.since_ms;
  state_.retrying = false;
  state_.since_ms = 0;
  state_.last_error.clear();
  return true;
}

void OutageTracker::WriteStarted(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  ++state_.pending_writes;
  state_.pending_bytes += bytes;
}

void OutageTracker::WriteEnded(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  --state_.pending_writes;
  state_.pending_bytes -= bytes;
}

OutageState OutageTracker::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

}  // namespace kb
