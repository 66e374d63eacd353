#include "core/parallel.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace kb::detail {
namespace {

// A thread with nothing to do for this long ends; one busy again soon is kept.
constexpr std::chrono::seconds kIdleThreadLifetime{60};

// Threads for InBackground. A task never waits for a thread: it goes to the thread that became
// idle last (the one whose connection is freshest; long-idle ones end), else to a new one, so
// tasks that wait for each other cannot starve and the count follows the work in flight.
class BackgroundThreads {
 public:
  void Run(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      Idle* idle = idle_.back();
      idle_.pop_back();
      idle->task = std::move(task);
      idle->wake.notify_one();
      return;
    }
    started_++;
    std::thread([this, first = std::move(task)]() mutable { Serve(std::move(first)); }).detach();
  }

  uint64_t started() const { return started_.load(); }

 private:
  struct Idle {
    std::condition_variable wake;
    std::function<void()> task;  // set by Run, which also takes this off idle_
  };

  void Serve(std::function<void()> task) {
    Idle self;
    for (;;) {
      task();  // a packaged_task: it keeps its own result and exception
      std::unique_lock<std::mutex> lock(mu_);
      idle_.push_back(&self);
      if (!self.wake.wait_for(lock, kIdleThreadLifetime, [&] { return bool(self.task); })) {
        idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
        return;
      }
      task = std::move(self.task);
      self.task = nullptr;
    }
  }

  std::mutex mu_;
  std::vector<Idle*> idle_;  // most recently idle last
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
