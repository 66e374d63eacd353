// Leases: a running backup or restore announces itself under <backup_id>/leases/ so that prune
// and delete know what is in use (docs/FORMAT.md, "Leases").
//
// A lease carries an expiry time and is rewritten to push it forward while its holder runs; its
// holder removes it when it ends. A holder killed with SIGKILL stops counting once the lease
// expires. Expiry is compared with the reader's clock: hosts that share a backup need clocks
// within a fraction of kLeaseTtlMs of each other (NTP gives milliseconds).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "format/catalog_docs.h"
#include "storage/backend.h"

namespace kb {

inline constexpr int64_t kLeaseTtlMs = 120000;

class Lease {
 public:
  // Writes the lease, then renews it every ttl/4 until destroyed. kind: "backup" | "restore";
  // reads_from_ms: for a restore, the oldest record timestamp it may read (0 = all of them).
  static Result<std::unique_ptr<Lease>> Acquire(ObjectStore& store, const std::string& backup_id,
                                                const std::string& kind, int64_t reads_from_ms,
                                                int64_t ttl_ms = kLeaseTtlMs);
  // Stops renewing and removes the lease (a failure to remove only leaves it to expire).
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  const format::CatalogLease& doc() const { return doc_; }
  // A scale-out member's group, id and assigned partitions: written with the next renewal, which
  // comes at once.
  void SetMembership(const std::string& group, const std::string& member_id, std::vector<std::string> partitions);

 private:
  Lease(ObjectStore& store, std::string backup_id, format::CatalogLease doc, int64_t ttl_ms);
  void Renew();

  ObjectStore& store_;
  const std::string backup_id_;
  format::CatalogLease doc_;
  const int64_t ttl_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool dirty_ = false;  // doc_ changed: write it now
  std::thread renewer_;
};

// The leases of a backup that have not expired at `now_ms`, oldest first.
Result<std::vector<format::CatalogLease>> LiveLeases(ObjectStore& store, const std::string& backup_id, int64_t now_ms);

// "restore lease restore-1764...-1a2b (host:4242, reads from 2026-11-24T10:00:00.000Z, expires ...)"
std::string DescribeLease(const format::CatalogLease& lease);

}  // namespace kb
