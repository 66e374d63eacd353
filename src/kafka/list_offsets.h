// Internal to src/kafka: a partition's start and end offsets without
// rd_kafka_query_watermark_offsets. In librdkafka 2.0.x that call can block far beyond its timeout
// while the partition's leader is down (librdkafka issue 2588, fixed in 2.3.0): its wait loop
// never looks at the clock. rd_kafka_offsets_for_times sends the same ListOffsets request
// (timestamp -2 asks for the log start, -1 for the end, with the client's isolation level) and
// does keep its timeout.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <vector>

#include "kafka/types.h"

namespace kb::kafka {

// Asks the partitions' leaders for their log start and end offsets: two requests per leader
// however many partitions, waiting `timeout` at most for each of the two answers. Returns
// librdkafka's error (the whole call's, or the first failed partition's, in *failed).
rd_kafka_resp_err_t QueryOffsetBounds(rd_kafka_t* rk, const std::string& topic, const std::vector<int32_t>& partitions,
                                      std::chrono::milliseconds timeout, std::vector<WatermarkOffsets>* out,
                                      int32_t* failed = nullptr);

// Sends one ListOffsets request to the partition's leader and returns without waiting for the
// answer: any request wakes the broker thread that serves the partition (see consumer.cpp).
void NudgePartitionLeader(rd_kafka_t* rk, const std::string& topic, int32_t partition);

}  // namespace kb::kafka
