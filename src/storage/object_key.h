// Object key checks shared by every backend, so all of them refuse the same keys.
//
// A valid key is a non-empty '/'-separated relative path: no leading or trailing '/', no empty
// segment ("a//b"), no "." or ".." segment, no NUL byte. A prefix for List follows the same rules
// except that it may be empty and may end with '/'.
#pragma once

#include <string>

#include "core/error.h"

namespace kb {

// kInvalidArgument naming the key and the broken rule, or success.
Status ValidateObjectKey(const std::string& key);
Status ValidateListPrefix(const std::string& prefix);

}  // namespace kb
