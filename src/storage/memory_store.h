// MemoryStore: an ObjectStore kept in process memory, for tests and dry runs.
//
// Contract: thread safe. Every MemoryStore opened with the same name in one process sees the same
// objects (a process-wide registry by name), so "memory://x" given to a backup and then to a
// restore in one test shares data. Objects live until the process ends or ClearForTests().
#pragma once

#include <memory>
#include <string>

#include "storage/backend.h"

namespace kb {

class MemoryStore : public ObjectStore {
 public:
  // Opens (creating on first use) the shared store called `name`.
  explicit MemoryStore(const std::string& name);
  ~MemoryStore() override;

  Status Put(const std::string& key, const std::string& data) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override;
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override;
  Result<DeleteResult> Delete(const std::string& key) override;
  Result<uint64_t> Size(const std::string& key) override;
  std::string Describe() const override;

  // Holds `key` under retention until `until_ms`, as S3 Object Lock would (tests of what prune and
  // delete keep).
  void SetRetentionForTests(const std::string& key, int64_t until_ms);

  // Drops every object of the named store (tests that reuse a name).
  static void ClearForTests(const std::string& name);

  struct State;

 private:
  // The stored value of `key` (shared, so it is read without the lock), or kNotFound.
  Result<std::shared_ptr<const std::string>> Find(const std::string& key) const;

  std::string name_;
  std::shared_ptr<State> state_;
};

}  // namespace kb
