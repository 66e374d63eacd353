#include "core/parallel.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace kb::detail {
namespace {

// A thread with nothing to do for this long ends; one busy again soon is kept.
constexpr std::chrono::seconds kIdleThreadLifetime{60};

// Threads for InBackground. A task never waits for a thread: with no idle one, a new one starts,
// so tasks that wait for each other cannot starve and the count follows the work in flight.
class BackgroundThreads {
 public:
  void Run(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    // Each queued task needs a waiting thread of its own; idle_ counts those not yet woken.
    if (idle_ >= queue_.size()) {
      wake_.notify_one();
      return;
    }
    std::thread([this] { Serve(); }).detach();
    started_++;
  }

  uint64_t started() const { return started_.load(); }

 private:
  void Serve() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (queue_.empty()) {
        ++idle_;
        const bool woken = wake_.wait_for(lock, kIdleThreadLifetime, [this] { return !queue_.empty(); });
        --idle_;
        if (!woken) return;
      }
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();  // a packaged_task: it keeps its own result and exception
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  size_t idle_ = 0;
  std::atomic<uint64_t> started_{0};
};

BackgroundThreads& Threads() {
  // Never destroyed: detached threads may still wait on it while the process exits.
  static auto* threads = new BackgroundThreads;
  return *threads;
}

}  // namespace

void RunOnBackgroundThread(std::function<void()> task) { Threads().Run(std::move(task)); }

uint64_t BackgroundThreadsStarted() { return Threads().started(); }

}  // namespace kb::detail
