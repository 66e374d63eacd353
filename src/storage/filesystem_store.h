// FilesystemStore: an ObjectStore under one local directory (a mounted disk, NFS, a test temp dir).
//
// Contract (beyond ObjectStore's):
// - Key "a/b/c.seg" is the file <root>/a/b/c.seg; parent directories are created on Put.
// - Put writes a temp file ".kb-tmp-*" in the target's directory, fsyncs it, renames it over the
//   target and fsyncs the directory: after Put returns the object survives a crash, and a reader
//   sees either the old file or the whole new one. List never shows temp files.
// - A key cannot be both an object and a "directory" of other objects ("a" and "a/b"); S3 allows
//   that, a filesystem does not, and Put of the second one fails naming the path.
// - The root need not exist until the first Put; listing a missing root is empty.
// - Every error names the full file path.
#pragma once

#include <string>

#include "storage/backend.h"

namespace kb {

class FilesystemStore : public ObjectStore {
 public:
  explicit FilesystemStore(const std::string& root);

  Status Put(const std::string& key, const std::string& data) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override;
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override;
  Result<DeleteResult> Delete(const std::string& key) override;
  Result<uint64_t> Size(const std::string& key) override;
  std::string Describe() const override;

  const std::string& root() const { return root_; }

  // File names starting with this are in-flight Puts (or leftovers of a crash) and are not objects.
  static constexpr const char* kTempPrefix = ".kb-tmp-";

 private:
  std::string PathOf(const std::string& key) const;
  Result<std::string> ReadAt(const std::string& key, uint64_t offset, uint64_t length, bool whole);

  std::string root_;  // absolute, no trailing '/'
};

}  // namespace kb
