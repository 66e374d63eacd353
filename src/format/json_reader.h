// JsonReader: the one validating reader of every persisted JSON document. Every field is required
// and strictly typed unless read with GetOptional; the first problem is kept with its JSON path
// ("topics[1].partitions[0].segments[1].crc32c: missing"), and the caller turns it into kCorrupt.
//
// Objects are read through an ADL hook: for a struct T, define in T's namespace (or in kb::format)
//   void ReadJson(JsonReader& r, const nlohmann::json& v, const std::string& where, T* out);
// which calls r.ExpectObject(v, where) and then r.Get(...) for each field.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace kb::format {

class JsonReader {
 public:
  using json = nlohmann::json;

  static std::string Join(const std::string& path, const char* name) {
    return path.empty() ? std::string(name) : path + "." + name;
  }

  // Reads field `name` of object `obj` (at `path`) into `out`; records the first error.
  template <typename T>
  void Get(const json& obj, const std::string& path, const char* name, T* out) {
    if (error_) return;
    const std::string where = Join(path, name);
    auto it = obj.find(name);
    if (it == obj.end()) return SetError(where + ": missing");
    Read(*it, where, out);
  }

  // As Get, but an absent (or null) field leaves `out` as it is.
  template <typename T>
  void GetOptional(const json& obj, const std::string& path, const char* name, T* out) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return;
    Get(obj, path, name, out);
  }

  template <typename T>
  void Read(const json& v, const std::string& where, T* out) {
    if (error_) return;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) return SetError(where + ": expected true or false");
      *out = v.get<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return SetError(where + ": expected a string");
      *out = v.get<std::string>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) return SetError(where + ": expected a number");
      *out = v.get<T>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) return SetError(where + ": expected an integer");
      bool fits;
      if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        fits = u <= static_cast<uint64_t>(std::numeric_limits<T>::max());
        if (fits) *out = static_cast<T>(u);
      } else {
        const auto s = v.get<int64_t>();
        fits = std::is_signed_v<T> ? (s >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                      s <= static_cast<int64_t>(std::numeric_limits<T>::max()))
                                   : s >= 0 && static_cast<uint64_t>(s) <= std::numeric_limits<T>::max();
        if (fits) *out = static_cast<T>(s);
      }
      if (!fits) return SetError(where + ": integer out of range");
    } else {
      ReadJson(*this, v, where, out);
    }
  }

  template <typename T>
  void Read(const json& v, const std::string& where, std::vector<T>* out) {
    if (error_) return;
    if (!v.is_array()) return SetError(where + ": expected an array");
    out->clear();
    out->reserve(v.size());
    for (size_t i = 0; i < v.size() && !error_; ++i) {
      out->emplace_back();
      Read(v[i], where + "[" + std::to_string(i) + "]", &out->back());
    }
  }

  // null reads as nullopt.
  template <typename T>
  void Read(const json& v, const std::string& where, std::optional<T>* out) {
    if (error_) return;
    if (v.is_null()) return out->reset();
    Read(v, where, &out->emplace());
  }

  void Read(const json& v, const std::string& where, std::map<std::string, std::string>* out) {
    if (error_) return;
    if (!v.is_object()) return SetError(where + ": expected an object");
    out->clear();
    for (const auto& [k, item] : v.items()) {
      if (!item.is_string()) return SetError(where + "[\"" + k + "\"]: expected a string");
      (*out)[k] = item.get<std::string>();
    }
  }

  bool ExpectObject(const json& v, const std::string& where) {
    if (error_) return false;
    if (!v.is_object()) {
      SetError(where + ": expected an object");
      return false;
    }
    return true;
  }

  void SetError(std::string e) {
    if (!error_) error_ = std::move(e);
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::optional<std::string> error_;
};

// Parses `text` as a JSON object of document kind `what` ("manifest", "catalog commit"), refusing
// a format_version above `newest` with kInvalidArgument ("upgrade kafka-backup"), then reads it
// with ReadJson(reader, json, "", out). Any other problem is kCorrupt naming `what` and the path.
template <typename T>
Result<T> ParseJsonDocument(const std::string& text, const std::string& what, int newest) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Fail(ErrorCode::kCorrupt, what + " is not valid JSON: the object is damaged or not a " + what);
  if (!j.is_object()) return Fail(ErrorCode::kCorrupt, what + " is not a JSON object");
  // The version decides how to read the rest, so it is checked before anything else.
  auto version = j.find("format_version");
  if (version != j.end() && version->is_number_unsigned() && version->get<uint64_t>() > static_cast<uint64_t>(newest))
    return Fail(ErrorCode::kInvalidArgument, what + " format_version " + std::to_string(version->get<uint64_t>()) +
                                                 " is newer than this build supports (" + std::to_string(newest) +
                                                 "): upgrade kafka-backup");
  JsonReader r;
  T out;
  r.Read(j, "", &out);
  if (r.error()) return Fail(ErrorCode::kCorrupt, what + " field " + *r.error());
  return out;
}

}  // namespace kb::format
