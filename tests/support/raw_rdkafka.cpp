#include "support/raw_rdkafka.h"

#include <gtest/gtest.h>

namespace kb::test {

RawHandle MakeRawClient(rd_kafka_type_t type, const std::string& bootstrap,
                        const std::vector<std::pair<std::string, std::string>>& settings,
                        void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      ADD_FAILURE() << "config " << k << "=" << v << ": " << err;
  };
  set("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : settings) set(k, v);
  if (type == RD_KAFKA_PRODUCER && on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    ADD_FAILURE() << "rd_kafka_new: " << err;
    return RawHandle(nullptr, rd_kafka_destroy);
  }
  if (type == RD_KAFKA_CONSUMER)
    return RawHandle(rk, [](rd_kafka_t* c) {
      rd_kafka_consumer_close(c);
      rd_kafka_destroy(c);
    });
  return RawHandle(rk, rd_kafka_destroy);
}

std::string CreateTopicRaw(rd_kafka_t* rk, const std::string& topic, int partitions, int replication) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, err, sizeof err);
  if (nt == nullptr) return err;
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, queue);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30000);
  std::string result;
  if (ev == nullptr) {
    result = "no CreateTopics answer within 30 s";
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n != 1) {
      result = "expected 1 topic result, got " + std::to_string(n);
    } else if (rd_kafka_topic_result_error(res[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* detail = rd_kafka_topic_result_error_string(res[0]);
      result = std::string(rd_kafka_err2name(rd_kafka_topic_result_error(res[0]))) + ": " + (detail ? detail : "");
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  return result;
}

}  // namespace kb::test
