// How `cat` prints records: every field, null distinct from empty, UTF-8 text or base64.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "inspect/record_output.h"

namespace kb {
namespace {

using json = nlohmann::json;

Record Sample() {
  Record r;
  r.offset = 51;
  r.timestamp = 1795515330123;
  r.timestamp_type = TimestampType::kCreateTime;
  r.key = "PAY-51";
  r.value = R"({"payment_id": "CORRUPTED-51", "amount": -999})";
  r.headers = {{"trace", "abc"}, {"trace", std::nullopt}, {"empty", ""}, {"bin", std::string("\xFF\x00\x01", 3)}};
  return r;
}

TEST(RecordJsonLine, CarriesEveryFieldInSchemaOrder) {
  const std::string line = RecordJsonLine("payments", 2, Sample());
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one record, one line";
  EXPECT_EQ(line.rfind(R"({"topic":"payments","partition":2,"offset":51,"timestamp":1795515330123,)", 0), 0u) << line;
  auto j = json::parse(line);
  EXPECT_EQ(j["timestamp_type"], "CreateTime");
  EXPECT_EQ(j["time"], "2026-11-24T10:15:30.123Z");
  EXPECT_EQ(j["key"], "PAY-51");
  EXPECT_EQ(j["key_encoding"], "utf8");
  EXPECT_EQ(j["value"], R"({"payment_id": "CORRUPTED-51", "amount": -999})");
  EXPECT_EQ(j["value_encoding"], "utf8");
  ASSERT_EQ(j["headers"].size(), 4u);
  EXPECT_EQ(j["headers"][0], json::parse(R"({"key":"trace","key_encoding":"utf8","value":"abc","value_encoding":"utf8"})"));
  EXPECT_EQ(j["headers"][1], json::parse(R"({"key":"trace","key_encoding":"utf8","value":null,"value_encoding":null})"));
  EXPECT_EQ(j["headers"][2], json::parse(R"({"key":"empty","key_encoding":"utf8","value":"","value_encoding":"utf8"})"));
  EXPECT_EQ(j["headers"][3], json::parse(R"({"key":"bin","key_encoding":"utf8","value":"/wAB","value_encoding":"base64"})"));
}

TEST(RecordJsonLine, NullAndEmptyDifferAndBinaryIsBase64) {
  Record r;
  r.offset = 0;
  r.timestamp = 5;
  r.timestamp_type = TimestampType::kLogAppendTime;
  r.key = std::nullopt;
  r.value = "";
  auto a = json::parse(RecordJsonLine("t", 0, r));
  EXPECT_TRUE(a["key"].is_null());
  EXPECT_TRUE(a["key_encoding"].is_null());
  EXPECT_EQ(a["value"], "");
  EXPECT_EQ(a["value_encoding"], "utf8");
  EXPECT_EQ(a["timestamp_type"], "LogAppendTime");
  EXPECT_EQ(a["headers"], json::array());

  r.key = "";
  r.value = std::string("\x00\x9F\x92\x96", 4);  // a NUL, then a broken sequence
  auto b = json::parse(RecordJsonLine("t", 0, r));
  EXPECT_EQ(b["key"], "");
  EXPECT_EQ(b["key_encoding"], "utf8");
  EXPECT_EQ(b["value"], "AJ+Slg==");
  EXPECT_EQ(b["value_encoding"], "base64");

  r.value = std::nullopt;
  r.timestamp_type = TimestampType::kNotAvailable;
  r.timestamp = -1;
  auto c = json::parse(RecordJsonLine("t", 0, r));
  EXPECT_TRUE(c["value"].is_null());
  EXPECT_TRUE(c["time"].is_null());
  EXPECT_EQ(c["timestamp_type"], "NotAvailable");
}

TEST(RecordTextLine, QuotesTextMarksBase64AndSpellsNull) {
  Record r = Sample();
  r.headers = {{"trace", std::nullopt}, {"bin", std::string("\xFF", 1)}};
  EXPECT_EQ(RecordTextLine("payments", 0, r),
            "payments 0 51 2026-11-24T10:15:30.123Z CreateTime key=\"PAY-51\" "
            "value=\"{\\\"payment_id\\\": \\\"CORRUPTED-51\\\", \\\"amount\\\": -999}\" "
            "header \"trace\"=null header \"bin\"=base64:/w==");
  r.key = std::nullopt;
  r.value = "line\nbreak";
  r.headers.clear();
  EXPECT_EQ(RecordTextLine("t", 3, r), "t 3 51 2026-11-24T10:15:30.123Z CreateTime key=null value=\"line\\nbreak\"");
}

}  // namespace
}  // namespace kb
