// Listing a prefix a page at a time, for readers that stop early or skip ahead: S3 answers at most
// 1,000 keys per request, so a listing that stops or jumps costs only the pages it reads.
#pragma once

#include <optional>
#include <string>

#include "storage/backend.h"

namespace kb {

inline constexpr size_t kListPageKeys = 1000;

// Lists `prefix` in key order, from just after `start_after` ("" = from the start). `take(object,
// &jump)` sees each object and returns false to stop; it may set `jump` to a key to go on listing
// after instead of the next one.
template <typename Take>
Status ListPages(ObjectStore& store, const std::string& prefix, std::string start_after, Take&& take) {
  while (true) {
    ListOptions page_options;
    page_options.start_after = start_after;
    page_options.max_keys = kListPageKeys;
    KB_ASSIGN_OR_RETURN(auto page, store.List(prefix, page_options));
    bool jumped = false;
    for (const auto& o : page) {
      std::optional<std::string> jump;
      if (!take(o, &jump)) return {};
      start_after = jump ? *jump : o.key;
      if ((jumped = jump.has_value())) break;
    }
    if (!jumped && page.size() < kListPageKeys) return {};
  }
}

}  // namespace kb
