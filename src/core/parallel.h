// The two ways work runs beside the caller, each written once:
//   ParallelFor    runs fn(0..n-1) on up to `threads` threads and returns when all are done: the
//                  one bounded worker pool for a list of independent items (loading many
//                  partitions' catalog chains, uploading the parts of an object);
//   InBackground   runs one task on its own thread now and hands back its result later: a
//                  prefetch, or a segment upload that the reader does not wait for.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <future>
#include <type_traits>
#include <thread>
#include <vector>

namespace kb {

template <typename Fn>
void ParallelFor(size_t n, size_t threads, Fn&& fn) {
  threads = std::max<size_t>(1, std::min(threads, n));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  for (auto& t : pool) t.join();
}

template <typename Fn>
std::future<std::invoke_result_t<Fn>> InBackground(Fn&& fn) {
  // launch::async: a deferred task would run only when its result is asked for, which is no
  // prefetch at all.
  return std::async(std::launch::async, std::forward<Fn>(fn));
}

}  // namespace kb
