// Text for showing bytes: strict UTF-8 validation and base64 (RFC 4648, with padding), used by
// `cat` to print a key or value as text when it is text, else as base64; and byte counts for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kb {

// Whether `bytes` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..
// U+DFFF), nothing above U+10FFFF, no truncated sequence. NUL bytes are valid (U+0000).
bool IsValidUtf8(std::string_view bytes);

// Standard base64 alphabet (A-Z a-z 0-9 + /) with '=' padding.
std::string Base64Encode(std::string_view bytes);

// "512 B", "1.5 KiB", "64.0 MiB", "1.25 GiB".
std::string HumanBytes(uint64_t bytes);

}  // namespace kb
