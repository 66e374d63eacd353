// ObjectStore: the one narrow interface every storage backend implements.
//
// Contract (checked by tests/unit/storage_conformance_test.cpp against every backend):
// - Keys are '/'-separated relative paths like "pitr-backup/manifest.json"; the backend adds
//   its own root (directory, bucket prefix). Keys never start with '/' and never contain "..".
// - Put is atomic: readers see the old object or the whole new one, never a part.
//   Filesystem: temp file + fsync + rename. S3: single PUT or a completed multipart upload.
// - Get of a missing key fails with ErrorCode::kNotFound.
// - GetRange(key, offset, length) returns at most `length` bytes from `offset`.
// - List(prefix) returns every key under `prefix` (pagination is the backend's business),
//   sorted by key, with sizes. List(prefix, options) narrows it the way S3's ListObjectsV2 does:
//   only keys after `start_after`, at most `max_keys` entries, and with `directories` the keys
//   are grouped at the next '/' after the prefix ("a/b/" stands for everything under it, size 0),
//   so a reader pays for what it asks for, not for everything stored under the prefix.
// - Delete of a missing key succeeds. Delete removes the object for good: on a versioned bucket
//   it removes versions (never leaves a delete marker) until none is left. An object that storage
//   holds under retention (S3 Object Lock, a legal hold) is not removed: Delete says so, with the
//   date its retention ends.
// - Error messages name the object and the location (bucket, endpoint or directory) and
//   never contain a secret.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/outage.h"

namespace kb {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

// What Delete did with a key.
struct DeleteResult {
  bool kept = false;          // held under retention: still stored
  int64_t kept_until_ms = 0;  // when the retention ends; 0 = a legal hold, which has no date
};

struct ListOptions {
  std::string start_after;   // only keys strictly greater than this one; "" = from the start
  size_t max_keys = 0;       // at most this many entries; 0 = all
  bool directories = false;  // group at the next '/' after the prefix, as S3's delimiter does
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual Status Put(const std::string& key, const std::string& data) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) = 0;
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) = 0;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) { return List(prefix, ListOptions{}); }
  virtual Result<DeleteResult> Delete(const std::string& key) = 0;
  // Size of the object, or kNotFound.
  virtual Result<uint64_t> Size(const std::string& key) = 0;
  // Human-readable location for messages, e.g. "s3://kafka-backups/pitr-demo (endpoint http://127.0.0.1:9000)".
  virtual std::string Describe() const = 0;

  // Bytes fetched by Get/GetRange since creation: the PITR cost figure in reports and benches.
  uint64_t bytes_read() const { return bytes_read_; }
  // Storage being retried through an outage, and writes pending: /health and /metrics show it.
  // Backends that retry (S3) keep it up to date; for the others it stays idle.
  OutageTracker& outage() const { return outage_; }

 protected:
  void CountRead(uint64_t n) { bytes_read_ += n; }

 private:
  std::atomic<uint64_t> bytes_read_{0};
  mutable OutageTracker outage_;
};

}  // namespace kb
