#include "storage/memory_store.h"

#include <algorithm>

#include <map>
#include <mutex>
#include <unordered_map>

#include "core/time_util.h"
#include "storage/object_key.h"

namespace kb {

struct MemoryStore::State {
  std::mutex mu;
  // Values are shared_ptr so a reader can copy a range without holding the lock for long,
  // and an overwrite never changes bytes a reader is looking at.
  std::map<std::string, std::shared_ptr<const std::string>> objects;
  std::map<std::string, int64_t> retained_until_ms;
};

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<MemoryStore::State>> stores;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: stores may outlive main's statics
  return *registry;
}

std::shared_ptr<MemoryStore::State> OpenState(const std::string& name) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  auto& slot = r.stores[name];
  if (!slot) slot = std::make_shared<MemoryStore::State>();
  return slot;
}

}  // namespace

MemoryStore::MemoryStore(const std::string& name) : name_(name), state_(OpenState(name)) {}
MemoryStore::~MemoryStore() = default;

void MemoryStore::ClearForTests(const std::string& name) {
  auto state = OpenState(name);
  std::lock_guard lock(state->mu);
  state->objects.clear();
}

Status MemoryStore::Put(const std::string& key, const std::string& data) {
  KB_TRY(ValidateObjectKey(key));
  auto value = std::make_shared<const std::string>(data);
  std::lock_guard lock(state_->mu);
  state_->objects[key] = std::move(value);
  return {};
}

Result<std::string> MemoryStore::Get(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  KB_ASSIGN_OR_RETURN(auto value, Find(key));
  CountRead(value->size());
  return *value;
}

Result<std::string> MemoryStore::GetRange(const std::string& key, uint64_t offset, uint64_t length) {
  KB_TRY(ValidateObjectKey(key));
  KB_ASSIGN_OR_RETURN(auto value, Find(key));
  if (offset >= value->size()) return std::string();
  std::string out = value->substr(offset, length);
  CountRead(out.size());
  return out;
}

Result<std::vector<ObjectInfo>> MemoryStore::List(const std::string& prefix, const ListOptions& options) {
  KB_TRY(ValidateListPrefix(prefix));
  std::vector<ObjectInfo> out;
  std::lock_guard lock(state_->mu);
  for (auto it = state_->objects.lower_bound(std::max(prefix, options.start_after));
       it != state_->objects.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(ObjectInfo{it->first, it->second->size()});
  }
  return ShapeListing(prefix, std::move(out), options);
}

Result<DeleteResult> MemoryStore::Delete(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  std::lock_guard lock(state_->mu);
  auto held = state_->retained_until_ms.find(key);
  if (held != state_->retained_until_ms.end() && held->second > NowMs() && state_->objects.count(key))
    return DeleteResult{true, held->second};
  state_->objects.erase(key);
  return DeleteResult{};
}

void MemoryStore::SetRetentionForTests(const std::string& key, int64_t until_ms) {
  std::lock_guard lock(state_->mu);
  state_->retained_until_ms[key] = until_ms;
}

Result<uint64_t> MemoryStore::Size(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  KB_ASSIGN_OR_RETURN(auto value, Find(key));
  return static_cast<uint64_t>(value->size());
}

Result<std::shared_ptr<const std::string>> MemoryStore::Find(const std::string& key) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->objects.find(key);
  if (it == state_->objects.end()) return Fail(ErrorCode::kNotFound, "key=" + key + " not found in " + Describe());
  return it->second;
}

std::string MemoryStore::Describe() const { return "memory://" + name_; }

}  // namespace kb
