// How `cat` prints a record: one JSON object per line (the schema is in docs/CAT.md) or one
// line of text for people. Keys, values and headers are printed as UTF-8 text when they are
// valid UTF-8, else as base64, and the output says which; null and empty stay distinct.
#pragma once

#include <cstdint>
#include <string>

#include "core/record.h"

namespace kb {

// Kafka's names: "CreateTime", "LogAppendTime", "NotAvailable".
const char* TimestampTypeName(TimestampType type);

// {"topic":..,"partition":..,"offset":..,"timestamp":..,"timestamp_type":..,"time":..,
//  "key":..,"key_encoding":..,"value":..,"value_encoding":..,"headers":[{"key":..,
//  "key_encoding":..,"value":..,"value_encoding":..}]} without the newline.
std::string RecordJsonLine(const std::string& topic, int32_t partition, const Record& record);

// payments 0 51 2026-11-24T10:15:30.123Z CreateTime key="k" value="v" header trace="abc"
// Text is a JSON string literal, bytes that are not UTF-8 base64:..., a null `null`.
std::string RecordTextLine(const std::string& topic, int32_t partition, const Record& record);

}  // namespace kb
