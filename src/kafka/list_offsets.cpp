#include "kafka/list_offsets.h"

#include <algorithm>
#include <unordered_map>

#include "kafka/rdkafka_handles.h"

namespace kb::kafka {
namespace {

// One ListOffsets lookup of each partition (one request per leader): `ts` is -2 (log start) or
// -1 (end). A timeout of 0 sends the requests and returns RD_KAFKA_RESP_ERR__TIMED_OUT at once.
rd_kafka_resp_err_t ListOffsets(rd_kafka_t* rk, const std::string& topic, const std::vector<int32_t>& partitions,
                                int64_t ts, int timeout_ms, std::vector<int64_t>* offsets, int32_t* failed) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = ts;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms);
  if (err) return err;
  std::unordered_map<int32_t, size_t> index;  // the answer's order need not be the question's
  for (size_t i = 0; i < partitions.size(); ++i) index.emplace(partitions[i], i);
  offsets->assign(partitions.size(), -1);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err) {
      if (failed) *failed = p.partition;
      return p.err;
    }
    if (auto at = index.find(p.partition); at != index.end()) (*offsets)[at->second] = p.offset;
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

rd_kafka_resp_err_t QueryOffsetBounds(rd_kafka_t* rk, const std::string& topic, const std::vector<int32_t>& partitions,
                                      std::chrono::milliseconds timeout, std::vector<WatermarkOffsets>* out,
                                      int32_t* failed) {
  const int ms = static_cast<int>(std::clamp<int64_t>(timeout.count(), 1, INT32_MAX));
  std::vector<int64_t> low, high;
  if (auto err = ListOffsets(rk, topic, partitions, RD_KAFKA_OFFSET_BEGINNING, ms, &low, failed)) return err;
  if (auto err = ListOffsets(rk, topic, partitions, RD_KAFKA_OFFSET_END, ms, &high, failed)) return err;
  out->resize(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    WatermarkOffsets& w = (*out)[i];
    w.low = low[i];
    w.high = high[i];
    if (w.low < 0 && w.high >= 0) w.low = w.high;  // an empty partition may report no start
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void NudgePartitionLeader(rd_kafka_t* rk, const std::string& topic, int32_t partition) {
  std::vector<int64_t> unused;
  (void)ListOffsets(rk, topic, {partition}, RD_KAFKA_OFFSET_END, 0 /* send, do not wait */, &unused, nullptr);
}

}  // namespace kb::kafka
