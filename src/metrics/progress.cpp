#include "metrics/progress.h"

#include <unistd.h>

#include <algorithm>
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

std::string Progress::Line(bool final_line) const {
  const double s = elapsed_seconds();
  const uint64_t records = records_;
  const double rate = s > 0 ? records / s : 0;
  char line[160];
  int n = std::snprintf(line, sizeof line, "%s: %llu records, %.1f MB, %.1f MB/s, %.0f rec/s", what_.c_str(),
                        static_cast<unsigned long long>(records), bytes_ / 1e6, megabytes_per_second(), rate);
  std::string out(line, std::clamp(n, 0, static_cast<int>(sizeof line) - 1));
  const uint64_t expected = expected_records_;
  if (final_line) {
    std::snprintf(line, sizeof line, ", done in %.1fs", s);
    out += line;
  } else if (expected > records && rate > 0) {
    std::snprintf(line, sizeof line, ", ETA %.0fs", (expected - records) / rate);
    out += line;
  }
  return out;
}

void Progress::Draw(bool final_line) {
  // \r back to the start, the line, then erase what a longer earlier line left on the right.
  std::fprintf(stderr, "\r%s\x1b[K%s", Line(final_line).c_str(), final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace kb
