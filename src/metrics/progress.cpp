#include "metrics/progress.h"

#include <unistd.h>

#include <cstdio>

namespace kb {

Progress::Progress(std::string what) : what_(std::move(what)), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Stop(); }

void Progress::StartLiveLine() {
  if (!isatty(STDERR_FILENO) || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) Draw(false);
    Draw(true);
  });
}

void Progress::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::megabytes_per_second() const {
  double s = elapsed_seconds();
  return s > 0 ? bytes_ / 1e6 / s : 0;
}

void Progress::Draw(bool final_line) {
  double s = elapsed_seconds();
  double rate = s > 0 ? records_ / s : 0;
  char eta[32] = "";
  uint64_t expected = expected_records_;
  if (expected > records_ && rate > 0)
    std::snprintf(eta, sizeof eta, " ETA %.0fs", (expected - records_) / rate);
  std::fprintf(stderr, "\r%s: %llu records, %.1f MB, %.1f MB/s, %.0f rec/s%s   %s", what_.c_str(),
               static_cast<unsigned long long>(records_.load()), bytes_ / 1e6, megabytes_per_second(), rate, eta,
               final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace kb
