// The shared storage conformance suite on the two local backends. (S3 runs it against MinIO in
// tests/integration/storage_s3_test.cpp.)
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "storage/filesystem_store.h"
#include "storage/memory_store.h"
#include "support/storage_conformance.h"
#include "support/test_env.h"

namespace kb::test {
namespace {

struct MemoryBackend {
  static std::string Name() { return "Memory"; }
  static constexpr int kListPageSize = 10;  // memory has no pages; the suite still writes > 30 keys
  std::string name = UniqueName("conformance");
  std::unique_ptr<ObjectStore> Open() { return std::make_unique<MemoryStore>(name); }
  ~MemoryBackend() { MemoryStore::ClearForTests(name); }
};

struct FilesystemBackend {
  static std::string Name() { return "Filesystem"; }
  static constexpr int kListPageSize = 10;
  std::string dir;
  std::unique_ptr<ObjectStore> Open() {
    std::string templ = (std::filesystem::temp_directory_path() / "kb-fs-store-XXXXXX").string();
    if (!mkdtemp(templ.data())) {
      ADD_FAILURE() << "mkdtemp failed";
      return nullptr;
    }
    dir = templ;
    // A root that does not exist yet: the store creates it on first Put.
    return std::make_unique<FilesystemStore>(dir + "/root");
  }
  ~FilesystemBackend() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

using LocalBackends = ::testing::Types<MemoryBackend, FilesystemBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Local, StorageConformanceTest, LocalBackends, BackendNames);

}  // namespace
}  // namespace kb::test
