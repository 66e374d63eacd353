#include "inspect/record_output.h"

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/text_encoding.h"
#include "core/time_util.h"

namespace kb {
namespace {

using ojson = nlohmann::ordered_json;

// Sets `name` and `name_encoding`: text, base64, or both null.
void PutBytes(ojson& obj, const std::string& name, const std::optional<std::string>& bytes) {
  if (!bytes) {
    obj[name] = nullptr;
    obj[name + "_encoding"] = nullptr;
  } else if (IsValidUtf8(*bytes)) {
    obj[name] = *bytes;
    obj[name + "_encoding"] = "utf8";
  } else {
    obj[name] = Base64Encode(*bytes);
    obj[name + "_encoding"] = "base64";
  }
}

std::string TextBytes(const std::optional<std::string>& bytes) {
  if (!bytes) return "null";
  if (IsValidUtf8(*bytes)) return ojson(*bytes).dump();
  return "base64:" + Base64Encode(*bytes);
}

}  // namespace

const char* TimestampTypeName(TimestampType type) {
  switch (type) {
    case TimestampType::kCreateTime: return "CreateTime";
    case TimestampType::kLogAppendTime: return "LogAppendTime";
    case TimestampType::kNotAvailable: break;
  }
  return "NotAvailable";
}

std::string RecordJsonLine(const std::string& topic, int32_t partition, const Record& r) {
  ojson j;
  j["topic"] = topic;
  j["partition"] = partition;
  j["offset"] = r.offset;
  j["timestamp"] = r.timestamp;
  j["timestamp_type"] = TimestampTypeName(r.timestamp_type);
  j["time"] = r.timestamp_type == TimestampType::kNotAvailable ? ojson(nullptr) : ojson(FormatTimestampMs(r.timestamp));
  PutBytes(j, "key", r.key);
  PutBytes(j, "value", r.value);
  ojson headers = ojson::array();
  for (const auto& h : r.headers) {
    ojson hj;
    PutBytes(hj, "key", h.key);
    PutBytes(hj, "value", h.value);
    headers.push_back(std::move(hj));
  }
  j["headers"] = std::move(headers);
  return j.dump();
}

std::string RecordTextLine(const std::string& topic, int32_t partition, const Record& r) {
  std::string line = topic + " " + std::to_string(partition) + " " + std::to_string(r.offset) + " " +
                     (r.timestamp_type == TimestampType::kNotAvailable ? std::string("-") : FormatTimestampMs(r.timestamp)) +
                     " " + TimestampTypeName(r.timestamp_type) + " key=" + TextBytes(r.key) +
                     " value=" + TextBytes(r.value);
  for (const auto& h : r.headers) line += " header " + TextBytes(h.key) + "=" + TextBytes(h.value);
  return line;
}

}  // namespace kb
