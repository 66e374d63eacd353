// The two ways work runs beside the caller, each written once:
//   ParallelFor    runs fn(0..n-1) on up to `threads` threads (the caller and background
//                  threads) and returns when all are done: the one bounded worker pool for a list
//                  of independent items (loading many partitions' catalog chains, uploading the
//                  parts of an object);
//   InBackground   runs one task on a background thread now and hands back its result later: a
//                  prefetch, or a segment upload that the reader does not wait for. Background
//                  threads outlive their task and take the next one, so what a thread keeps (its
//                  storage connection, storage/s3/http_client.cpp) is reused instead of opened
//                  again for every segment.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <vector>

namespace kb {

// What InBackground hands back. Like the future of std::async, dropping it (destroying or
// assigning over it) waits for the task: a task may use what its creator owns.
template <typename T>
class Background {
 public:
  Background() = default;
  explicit Background(std::future<T> f) : f_(std::move(f)) {}
  Background(Background&&) noexcept = default;
  Background& operator=(Background&& other) noexcept {
    Wait();
    f_ = std::move(other.f_);
    return *this;
  }
  ~Background() { Wait(); }

  bool valid() const { return f_.valid(); }
  T get() { return f_.get(); }
  template <typename Rep, typename Period>
  std::future_status wait_for(const std::chrono::duration<Rep, Period>& d) const {
    return f_.wait_for(d);
  }

 private:
  void Wait() noexcept {
    if (f_.valid()) f_.wait();
  }
  std::future<T> f_;
};

namespace detail {
// Runs `task` on a background thread at once: an idle one, else a new one (core/parallel.cpp).
void RunOnBackgroundThread(std::function<void()> task);
// Background threads started so far in this process (for tests: are threads reused?).
uint64_t BackgroundThreadsStarted();
}  // namespace detail

template <typename Fn>
Background<std::invoke_result_t<Fn>> InBackground(Fn&& fn) {
  using T = std::invoke_result_t<Fn>;
  auto task = std::make_shared<std::packaged_task<T()>>(std::forward<Fn>(fn));
  std::future<T> result = task->get_future();
  detail::RunOnBackgroundThread([task] { (*task)(); });
  return Background<T>(std::move(result));
}

template <typename Fn>
void ParallelFor(size_t n, size_t threads, Fn&& fn) {
  threads = std::max<size_t>(1, std::min(threads, n));
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  // The caller drains too; the helpers are background threads, so their storage connections
  // outlive this call. Dropping a helper's result waits for it, even while an exception unwinds.
  std::vector<Background<void>> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.push_back(InBackground(drain));
  drain();
  for (auto& h : helpers) h.get();
}

}  // namespace kb
