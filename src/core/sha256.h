// SHA-256 of a byte string, as lowercase hex: the content hash that chains catalog commits.
#pragma once

#include <string>
#include <string_view>

namespace kb {

// "e3b0c442...b855" for "" (64 hex digits).
std::string Sha256Hex(std::string_view data);

}  // namespace kb
