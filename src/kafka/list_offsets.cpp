#include "kafka/list_offsets.h"

#include <algorithm>

#include "kafka/rdkafka_handles.h"

namespace kb::kafka {
namespace {

// One ListOffsets lookup: `ts` is -2 (log start) or -1 (end). A timeout of 0 sends the request
// and returns RD_KAFKA_RESP_ERR__TIMED_OUT at once.
rd_kafka_resp_err_t ListOffset(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t ts,
                               int timeout_ms, int64_t* offset) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = ts;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms);
  if (err) return err;
  const rd_kafka_topic_partition_t& p = list->elems[0];
  if (p.err) return p.err;
  *offset = p.offset;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

rd_kafka_resp_err_t QueryOffsetBounds(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                      std::chrono::milliseconds timeout, WatermarkOffsets* out) {
  const int ms = static_cast<int>(std::clamp<int64_t>(timeout.count(), 1, INT32_MAX));
  WatermarkOffsets w;
  if (rd_kafka_resp_err_t err = ListOffset(rk, topic, partition, RD_KAFKA_OFFSET_BEGINNING, ms, &w.low)) return err;
  if (rd_kafka_resp_err_t err = ListOffset(rk, topic, partition, RD_KAFKA_OFFSET_END, ms, &w.high)) return err;
  if (w.low < 0 && w.high >= 0) w.low = w.high;  // an empty partition may report no start
  *out = w;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void NudgePartitionLeader(rd_kafka_t* rk, const std::string& topic, int32_t partition) {
  int64_t unused = 0;
  (void)ListOffset(rk, topic, partition, RD_KAFKA_OFFSET_END, 0 /* send, do not wait */, &unused);
}

}  // namespace kb::kafka
