#include "catalog/lease.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb {
namespace {

std::string Holder() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "unknown-host") + ":" + std::to_string(getpid());
}

std::string NewLeaseId(const std::string& kind, int64_t now_ms) {
  std::random_device rd;
  return fmt::format("{}-{}-{:08x}", kind, now_ms, rd());
}

}  // namespace

Lease::Lease(ObjectStore& store, std::string backup_id, format::CatalogLease doc, int64_t ttl_ms)
    : store_(store), backup_id_(std::move(backup_id)), doc_(std::move(doc)), ttl_ms_(ttl_ms) {}

Result<std::unique_ptr<Lease>> Lease::Acquire(ObjectStore& store, const std::string& backup_id,
                                              const std::string& kind, int64_t reads_from_ms, int64_t ttl_ms) {
  const int64_t now = NowMs();
  format::CatalogLease doc;
  doc.lease_id = NewLeaseId(kind, now);
  doc.kind = kind;
  doc.holder = Holder();
  doc.reads_from_ms = reads_from_ms;
  doc.acquired_at_ms = now;
  doc.expires_at_ms = now + ttl_ms;
  Status put = store.Put(format::LeaseKey(backup_id, doc.lease_id), format::Serialize(doc));
  if (!put) return Fail(put.error().With("cannot take the " + kind + " lease on backup '" + backup_id + "'"));
  std::unique_ptr<Lease> lease(new Lease(store, backup_id, std::move(doc), ttl_ms));
  lease->renewer_ = std::thread([l = lease.get()] { l->Renew(); });
  return lease;
}

void Lease::Renew() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, std::chrono::milliseconds(ttl_ms_ / 4), [this] { return stopping_ || dirty_; });
    if (stopping_) break;
    dirty_ = false;
    format::CatalogLease next = doc_;
    next.expires_at_ms = NowMs() + ttl_ms_;
    lock.unlock();
    Status put = store_.Put(format::LeaseKey(backup_id_, next.lease_id), format::Serialize(next));
    lock.lock();
    if (put) doc_.expires_at_ms = next.expires_at_ms;
    else spdlog::warn("cannot renew the {} lease {} (trying again): {}", doc_.kind, doc_.lease_id, put.error().message);
  }
}

void Lease::SetMembership(const std::string& group, const std::string& member_id, std::vector<std::string> partitions) {
  {
    std::lock_guard lock(mu_);
    doc_.group = group;
    doc_.member_id = member_id;
    doc_.partitions = std::move(partitions);
    dirty_ = true;
  }
  wake_.notify_all();
}

Lease::~Lease() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  const std::string key = format::LeaseKey(backup_id_, doc_.lease_id);
  auto removed = store_.Delete(key);
  Status released;
  if (removed && removed->kept) {
    // Object Lock keeps the object: a version that has already expired releases it all the same.
    format::CatalogLease expired = doc_;
    expired.expires_at_ms = 0;
    released = store_.Put(key, format::Serialize(expired));
  } else if (!removed) {
    released = Fail(removed.error());
  }
  if (!released)
    spdlog::warn("cannot release the {} lease {} (it expires by itself within {} s): {}", doc_.kind, doc_.lease_id,
                 ttl_ms_ / 1000, released.error().message);
}

Result<std::vector<format::CatalogLease>> LiveLeases(ObjectStore& store, const std::string& backup_id, int64_t now_ms) {
  KB_ASSIGN_OR_RETURN(auto listed, store.List(format::LeasePrefix(backup_id)));
  std::vector<format::CatalogLease> live;
  for (const auto& o : listed) {
    auto bytes = store.Get(o.key);
    if (!bytes) {
      if (bytes.error().code == ErrorCode::kNotFound) continue;  // released since the listing
      return Fail(bytes.error());
    }
    auto lease = format::ParseCatalogLease(*bytes);
    if (!lease) return Fail(lease.error().With("lease " + o.key));
    if (lease->expires_at_ms > now_ms) live.push_back(std::move(*lease));
  }
  std::sort(live.begin(), live.end(),
            [](const auto& a, const auto& b) { return a.acquired_at_ms < b.acquired_at_ms; });
  return live;
}

std::string DescribeLease(const format::CatalogLease& lease) {
  std::string s = lease.kind + " lease " + lease.lease_id + " (" + lease.holder;
  if (lease.kind == "restore")
    s += lease.reads_from_ms > 0 ? ", reads from " + FormatTimestampMs(lease.reads_from_ms) : ", reads everything";
  if (!lease.group.empty()) {
    s += ", member " + lease.member_id + " of group " + lease.group + ", owns " +
         std::to_string(lease.partitions.size()) + " partition(s)";
    for (size_t i = 0; i < lease.partitions.size(); ++i) s += (i ? "," : ": ") + lease.partitions[i];
  }
  return s + ", expires " + FormatTimestampMs(lease.expires_at_ms) + " unless renewed)";
}

}  // namespace kb
