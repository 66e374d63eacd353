// Object key checks shared by every backend, so all of them refuse the same keys.
//
// A valid key is a non-empty '/'-separated relative path: no leading or trailing '/', no empty
// segment ("a//b"), no "." or ".." segment, no NUL byte. A prefix for List follows the same rules
// except that it may be empty and may end with '/'.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "storage/backend.h"

namespace kb {

// kInvalidArgument naming the key and the broken rule, or success.
Status ValidateObjectKey(const std::string& key);
Status ValidateListPrefix(const std::string& prefix);

// Narrows a full, sorted listing of `prefix` to what `options` asks for (start_after, directories,
// max_keys), for backends that cannot do it on the server.
std::vector<ObjectInfo> ShapeListing(const std::string& prefix, std::vector<ObjectInfo> sorted,
                                     const ListOptions& options);

}  // namespace kb
