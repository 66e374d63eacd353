#include "storage/object_key.h"

#include <string_view>

namespace kb {
namespace {

// Checks the segments of `path` ('/'-separated); `allow_trailing_slash` admits one final '/'.
Status CheckSegments(const std::string& what, const std::string& path, bool allow_trailing_slash) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument,
                what + "=\"" + path + "\" is not a valid object key: " + why +
                    " (keys are relative '/'-separated paths like \"backup-1/manifest.json\")");
  };
  if (path.find('\0') != std::string::npos) return bad("it contains a NUL byte");
  if (path.front() == '/') return bad("it starts with '/'");
  std::string_view rest(path);
  if (allow_trailing_slash && rest.back() == '/') rest.remove_suffix(1);
  else if (rest.back() == '/') return bad("it ends with '/'");
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty()) return bad("it has an empty path segment");
    if (seg == "." || seg == "..") return bad("it has a \"" + std::string(seg) + "\" segment");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return {};
}

}  // namespace

Status ValidateObjectKey(const std::string& key) {
  if (key.empty()) return Fail(ErrorCode::kInvalidArgument, "object key is empty");
  return CheckSegments("key", key, false);
}

Status ValidateListPrefix(const std::string& prefix) {
  if (prefix.empty()) return {};
  return CheckSegments("prefix", prefix, true);
}

std::vector<ObjectInfo> ShapeListing(const std::string& prefix, std::vector<ObjectInfo> sorted,
                                     const ListOptions& options) {
  std::vector<ObjectInfo> out;
  for (auto& o : sorted) {
    if (options.max_keys && out.size() >= options.max_keys) break;
    if (options.directories) {
      size_t slash = o.key.find('/', prefix.size());
      if (slash != std::string::npos) {
        o.key.resize(slash + 1);
        o.size = 0;
        if (!out.empty() && out.back().key == o.key) continue;
      }
    }
    if (!options.start_after.empty() && o.key <= options.start_after) continue;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace kb
