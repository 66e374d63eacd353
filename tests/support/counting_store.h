// CountingStore: forwards every call to another store and records each read (key, range, bytes
// returned) and listing, so a test can assert exactly which objects and byte ranges a reader fetched.
// Thread safe: segment prefetches read from background threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "storage/backend.h"

namespace kb::test {

class CountingStore : public ObjectStore {
 public:
  struct Read {
    std::string key;
    uint64_t offset = 0;  // 0 for a whole-object Get
    uint64_t bytes = 0;   // bytes returned
    bool range = false;   // GetRange (else Get)
  };

  explicit CountingStore(ObjectStore& inner) : inner_(inner) {}

  Status Put(const std::string& key, const std::string& data) override { return inner_.Put(key, data); }
  Result<std::string> Get(const std::string& key) override {
    auto got = inner_.Get(key);
    if (got) Note({key, 0, got->size(), false});
    return got;
  }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    auto got = inner_.GetRange(key, offset, length);
    if (got) Note({key, offset, got->size(), true});
    return got;
  }
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override {
    auto listed = inner_.List(prefix, options);
    std::lock_guard<std::mutex> lock(mu_);
    lists_++;
    if (listed) listed_entries_ += listed->size();
    return listed;
  }
  Result<DeleteResult> Delete(const std::string& key) override { return inner_.Delete(key); }
  Result<uint64_t> Size(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    sizes_++;
    return inner_.Size(key);
  }
  std::string Describe() const override { return "counting(" + inner_.Describe() + ")"; }

  std::vector<Read> reads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }
  // Reads of keys that contain `part`.
  std::vector<Read> ReadsOf(const std::string& part) const {
    std::vector<Read> out;
    for (const auto& r : reads())
      if (r.key.find(part) != std::string::npos) out.push_back(r);
    return out;
  }
  // List calls, and the entries they returned (what a listing costs on S3: a request per 1,000).
  uint64_t list_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lists_;
  }
  uint64_t listed_entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return listed_entries_;
  }
  uint64_t size_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }

 private:
  void Note(Read r) {
    CountRead(r.bytes);
    std::lock_guard<std::mutex> lock(mu_);
    reads_.push_back(std::move(r));
  }

  ObjectStore& inner_;
  mutable std::mutex mu_;
  std::vector<Read> reads_;
  uint64_t sizes_ = 0;
  uint64_t lists_ = 0;
  uint64_t listed_entries_ = 0;
};

}  // namespace kb::test
