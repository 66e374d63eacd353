#include "storage/filesystem_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include "storage/object_key.h"

namespace kb {
namespace fs = std::filesystem;

namespace {

ErrorCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT: return ErrorCode::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS: return ErrorCode::kPermissionDenied;
    case ENOTDIR:
    case EISDIR:
    case EEXIST:
    case ENAMETOOLONG: return ErrorCode::kInvalidArgument;
    default: return ErrorCode::kUnavailable;
  }
}

tl::unexpected<Error> ErrnoFail(const std::string& what, const std::string& path, int err) {
  return Fail(CodeForErrno(err), what + " " + path + ": " + std::strerror(err));
}

// Closes a descriptor on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string TempName() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::string(FilesystemStore::kTempPrefix) + std::to_string(::getpid()) + "-" +
         std::to_string(counter++) + "-" + std::to_string(rng() % 1000000000);
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoFail("cannot write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoFail("cannot open directory", dir, errno);
  FdGuard guard(fd);
  if (::fsync(fd) != 0) return ErrnoFail("cannot fsync directory", dir, errno);
  return {};
}

}  // namespace

FilesystemStore::FilesystemStore(const std::string& root) {
  std::error_code ec;
  fs::path abs = fs::absolute(root.empty() ? fs::path(".") : fs::path(root), ec);
  std::string s = (ec ? fs::path(root) : abs).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  root_ = s;
}

std::string FilesystemStore::PathOf(const std::string& key) const {
  return root_ == "/" ? "/" + key : root_ + "/" + key;
}

std::string FilesystemStore::Describe() const { return "directory " + root_; }

Status FilesystemStore::Put(const std::string& key, const std::string& data) {
  KB_TRY(ValidateObjectKey(key));
  const std::string path = PathOf(key);
  const std::string dir = fs::path(path).parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Fail(CodeForErrno(ec.value()),
                "cannot create directory " + dir + " for key=" + key + ": " + ec.message());
  }
  const std::string temp = dir + "/" + TempName();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoFail("cannot create temp file", temp, errno);
  FdGuard guard(fd);
  auto cleanup_on_error = [&](Status st) -> Status {
    if (!st) ::unlink(temp.c_str());
    return st;
  };
  KB_TRY(cleanup_on_error(WriteAll(fd, data, temp)));
  if (::fsync(fd) != 0) return cleanup_on_error(ErrnoFail("cannot fsync", temp, errno));
  if (::close(guard.release()) != 0) return cleanup_on_error(ErrnoFail("cannot close", temp, errno));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoFail("cannot rename " + temp + " to", path, err);
  }
  // The rename is durable only once the directory entry is on disk.
  return FsyncDir(dir);
}

Result<std::string> FilesystemStore::ReadAt(const std::string& key, uint64_t offset,
                                            uint64_t length, bool whole) {
  KB_TRY(ValidateObjectKey(key));
  const std::string path = PathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return Fail(ErrorCode::kNotFound, "key=" + key + " not found: " + path + " does not exist");
    return ErrnoFail("cannot open", path, err);
  }
  FdGuard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoFail("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode))
    return Fail(ErrorCode::kNotFound, "key=" + key + " not found: " + path + " is not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (whole) {
    offset = 0;
    length = size;
  }
  if (offset >= size) return std::string();
  const uint64_t want = std::min(length, size - offset);
  std::string out(want, '\0');
  uint64_t done = 0;
  while (done < want) {
    ssize_t n = ::pread(fd, out.data() + done, want - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoFail("cannot read", path, errno);
    }
    if (n == 0) break;  // the file shrank under us: return what exists
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  CountRead(done);
  return out;
}

Result<std::string> FilesystemStore::Get(const std::string& key) { return ReadAt(key, 0, 0, true); }

Result<std::string> FilesystemStore::GetRange(const std::string& key, uint64_t offset,
                                               uint64_t length) {
  return ReadAt(key, offset, length, false);
}

Result<std::vector<ObjectInfo>> FilesystemStore::List(const std::string& prefix, const ListOptions& options) {
  KB_TRY(ValidateListPrefix(prefix));
  std::vector<ObjectInfo> out;
  // Start at the deepest directory the prefix names in full; descend only where keys can match.
  const size_t slash = prefix.rfind('/');
  const std::string start_key = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);

  struct Walker {
    const std::string& prefix;
    std::vector<ObjectInfo>& out;
    bool descend;  // false: a directory is one entry "key/" (ListOptions::directories)
    Status Walk(const std::string& dir, const std::string& key_prefix) {
      std::error_code ec;
      fs::directory_iterator it(dir, ec);
      if (ec) {
        // A directory that vanished (concurrent delete) or never existed holds no objects.
        if (ec.value() == ENOENT || ec.value() == ENOTDIR) return {};
        return Fail(CodeForErrno(ec.value()), "cannot list directory " + dir + ": " + ec.message());
      }
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const std::string name = it->path().filename().string();
        if (name.rfind(kTempPrefix, 0) == 0) continue;
        const std::string key = key_prefix + name;
        std::error_code sec;
        fs::file_status status = it->symlink_status(sec);
        if (sec) continue;  // vanished
        if (fs::is_directory(status)) {
          const std::string sub = key + "/";
          // Descend only if some key below `sub` can start with `prefix`.
          if (sub.compare(0, std::min(sub.size(), prefix.size()), prefix, 0,
                          std::min(sub.size(), prefix.size())) != 0)
            continue;
          if (!descend && sub.size() > prefix.size()) {
            out.push_back(ObjectInfo{sub, 0});
            continue;
          }
          KB_TRY(Walk(it->path().string(), sub));
        } else if (fs::is_regular_file(status)) {
          if (key.compare(0, prefix.size(), prefix) != 0) continue;
          uint64_t size = fs::file_size(it->path(), sec);
          if (sec) continue;  // deleted between listing and stat
          out.push_back(ObjectInfo{key, size});
        }
      }
      if (ec && ec.value() != ENOENT)
        return Fail(CodeForErrno(ec.value()), "cannot list directory " + dir + ": " + ec.message());
      return {};
    }
  };
  Walker walker{prefix, out, !options.directories};
  const std::string start_dir = start_key.empty() ? root_ : PathOf(start_key.substr(0, start_key.size() - 1));
  KB_TRY(walker.Walk(start_dir, start_key));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return ShapeListing(prefix, std::move(out), options);
}

Result<DeleteResult> FilesystemStore::Delete(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  const std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    int err = errno;
    // Missing (or a directory, which is not an object): nothing to delete.
    if (err == ENOENT || err == ENOTDIR || err == EISDIR) return DeleteResult{};
    return ErrnoFail("cannot delete", path, err);
  }
  return DeleteResult{};
}

Result<uint64_t> FilesystemStore::Size(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  const std::string path = PathOf(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return Fail(ErrorCode::kNotFound, "key=" + key + " not found: " + path + " does not exist");
    return ErrnoFail("cannot stat", path, err);
  }
  if (!S_ISREG(st.st_mode))
    return Fail(ErrorCode::kNotFound, "key=" + key + " not found: " + path + " is not a regular file");
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace kb
