// Progress: counters a running backup or restore bumps from any thread, a live line on a
// terminal (rate and ETA, redrawn twice a second on stderr), and the figures for the summary.
// Each redraw is "\r" + Line() + "\x1b[K" (erase to the end of the line), so a shorter line
// never leaves characters of a longer one behind; the last one ends with a newline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace kb {

class Progress {
 public:
  // `what` names the job in the live line ("backup", "restore").
  explicit Progress(std::string what);
  ~Progress();

  // Starts the live line when stderr is a terminal (never in CI or pipes).
  void StartLiveLine();
  void Stop();

  void AddRecords(uint64_t records, uint64_t bytes) {
    records_ += records;
    bytes_ += bytes;
  }
  void AddStoredBytes(uint64_t n) { stored_bytes_ += n; }
  // Records expected in total, for the ETA (0 = unknown, e.g. continuous mode).
  void SetExpectedRecords(uint64_t n) { expected_records_ = n; }

  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }
  double elapsed_seconds() const;
  double megabytes_per_second() const;
  // "restore: 1200 records, 1.3 MB, 2.6 MB/s, 2400 rec/s, ETA 3s" (the ETA while the expected
  // count is known and not reached; the final line says "done in 0.5s" instead).
  std::string Line(bool final_line) const;

 private:
  void Draw(bool final_line);
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<uint64_t> records_{0}, bytes_{0}, stored_bytes_{0}, expected_records_{0};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace kb
