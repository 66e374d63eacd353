// AdminClient's consumer-group calls: listing, describing and deleting groups, and reading,
// altering and deleting their committed offsets, each through the group's coordinator.
#include "kafka/admin_client.h"

#include "kafka/admin_impl.h"

namespace kb::kafka {

namespace {

// One try of listing consumer groups. librdkafka asks every broker it ever knew, and waits for a
// broker that is down until this timeout; live brokers answer in milliseconds.
constexpr milliseconds kListGroupsTimeout{5000};

GroupState ToGroupState(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: return GroupState::kPreparingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: return GroupState::kCompletingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return GroupState::kStable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return GroupState::kDead;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return GroupState::kEmpty;
    default: return GroupState::kUnknown;
  }
}

// Per-partition outcomes from a group result's partition list.
std::vector<PartitionOutcome> Outcomes(const rd_kafka_topic_partition_list_t* parts,
                                       const std::string& group) {
  std::vector<PartitionOutcome> out;
  if (!parts) return out;
  for (int i = 0; i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = parts->elems[i];
    PartitionOutcome o{p.topic, p.partition, p.offset, std::nullopt};
    if (p.err)
      o.error = KafkaError(p.err, "group=" + group + " " + PartitionContext(p.topic, p.partition));
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const PartitionOutcome& a, const PartitionOutcome& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

// Per-partition outcomes of a group request's results; a whole-group error fails the call.
Result<std::vector<PartitionOutcome>> GroupOutcomes(const rd_kafka_group_result_t** results, size_t n,
                                                    const std::string& group, const std::string& context) {
  std::vector<PartitionOutcome> out;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
    auto part = Outcomes(rd_kafka_group_result_partitions(results[i]), group);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Runs `attempt` under the retry policy. A partial answer whose refused partitions all failed
// for retryable reasons (coordinator loading or moving) is tried again; when the budget is
// spent, the last answer is returned as it is, per-partition errors included.
using OutcomeRetry = std::function<Result<std::vector<PartitionOutcome>>(
    const std::function<Result<std::vector<PartitionOutcome>>()>&)>;
Result<std::vector<PartitionOutcome>> RetryOutcomes(
    const OutcomeRetry& retry, const std::function<Result<std::vector<PartitionOutcome>>()>& attempt) {
  std::optional<std::vector<PartitionOutcome>> last;
  auto r = retry([&]() -> Result<std::vector<PartitionOutcome>> {
    last.reset();
    KB_ASSIGN_OR_RETURN(auto outcomes, attempt());
    for (const auto& o : outcomes) {
      if (o.error && o.error->retryable) {
        last = outcomes;
        return Fail(*o.error);
      }
    }
    return outcomes;
  });
  if (!r && last) return *last;
  return r;
}

}  // namespace

const char* GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
    case GroupState::kDead: return "Dead";
    case GroupState::kEmpty: return "Empty";
    case GroupState::kUnknown: break;
  }
  return "Unknown";
}

Result<std::vector<GroupListing>> RdKafkaAdminClient::ListConsumerGroups() {
  return impl_->Retry<std::vector<GroupListing>>([&]() -> Result<std::vector<GroupListing>> {
    KB_ASSIGN_OR_RETURN(EventPtr ev,
                        impl_->Request(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing consumer groups",
                                       [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_ListConsumerGroups(impl_->rk.get(), o, q);
                                       },
                                       false, kListGroupsTimeout));
    const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(ev.get());
    size_t n_errors = 0;
    const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n_errors);
    // A broker that did not answer may mean a partial list; callers snapshot from this, so such an
    // answer is retried, unless only brokers that have left the cluster failed to answer.
    if (n_errors > 0 && !impl_->ListingCompleteWithout(n_errors)) {
      Error e = FromRdError(errors[0], "listing consumer groups (" + std::to_string(n_errors) +
                                           " broker(s) did not answer)");
      e.retryable = true;
      return Fail(e);
    }
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
    std::vector<GroupListing> groups;
    for (size_t i = 0; i < n; ++i)
      groups.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                        ToGroupState(rd_kafka_ConsumerGroupListing_state(valid[i])),
                        rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
    std::sort(groups.begin(), groups.end(),
              [](const GroupListing& a, const GroupListing& b) { return a.group_id < b.group_id; });
    return groups;
  });
}

Result<GroupDescription> RdKafkaAdminClient::DescribeConsumerGroup(const std::string& group) {
  const std::string context = "describing group=" + group;
  return impl_->Retry<GroupDescription>([&]() -> Result<GroupDescription> {
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      const char* groups[] = {group.c_str()};
                                                      rd_kafka_DescribeConsumerGroups(impl_->rk.get(), groups, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** descs =
        rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
    if (n == 0) return Fail(ErrorCode::kInternal, context + ": the broker returned no description");
    const rd_kafka_ConsumerGroupDescription_t* d = descs[0];
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d)) return Fail(FromRdError(e, context));
    GroupDescription out;
    out.group_id = rd_kafka_ConsumerGroupDescription_group_id(d);
    out.state = ToGroupState(rd_kafka_ConsumerGroupDescription_state(d));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d)) out.partition_assignor = assignor;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
      out.coordinator_id = rd_kafka_Node_id(node);
      if (const char* host = rd_kafka_Node_host(node)) out.coordinator_host = host;
      out.coordinator_port = rd_kafka_Node_port(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
    for (size_t i = 0; i < members; ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
      if (!m) continue;
      GroupMember member;
      if (const char* s = rd_kafka_MemberDescription_consumer_id(m)) member.consumer_id = s;
      if (const char* s = rd_kafka_MemberDescription_client_id(m)) member.client_id = s;
      if (const char* s = rd_kafka_MemberDescription_host(m)) member.host = s;
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
        if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a)) {
          for (int p = 0; p < parts->cnt; ++p)
            member.assignment.push_back({parts->elems[p].topic, parts->elems[p].partition});
        }
      }
      out.members.push_back(std::move(member));
    }
    return out;
  });
}

Status RdKafkaAdminClient::DeleteConsumerGroup(const std::string& group) {
  const std::string context = "deleting group=" + group;
  return impl_->Retry<void>([&]() -> Status {
    DeleteGroupPtr dg(rd_kafka_DeleteGroup_new(group.c_str()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DELETEGROUPS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_DeleteGroup_t* arr[] = {dg.get()};
                                                      rd_kafka_DeleteGroups(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &n);
    for (size_t i = 0; i < n; ++i)
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
    return {};
  });
}

Result<std::vector<GroupOffset>> RdKafkaAdminClient::ListGroupOffsets(const std::string& group) {
  const std::string context = "listing committed offsets of group=" + group;
  return impl_->Retry<std::vector<GroupOffset>>([&]() -> Result<std::vector<GroupOffset>> {
    // No partitions given: the coordinator returns every committed offset of the group.
    ListGroupOffsetsPtr req(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_ListConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_ListConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &n);
    std::vector<GroupOffset> out;
    for (size_t i = 0; i < n; ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) return Fail(FromRdError(e, context));
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[i]);
      for (int p = 0; parts && p < parts->cnt; ++p) {
        const rd_kafka_topic_partition_t& tp = parts->elems[p];
        if (tp.err) return Fail(KafkaError(tp.err, context + " " + PartitionContext(tp.topic, tp.partition)));
        if (tp.offset < 0) continue;  // no committed offset
        GroupOffset go{tp.topic, tp.partition, tp.offset, ""};
        if (tp.metadata && tp.metadata_size > 0)
          go.metadata.assign(static_cast<const char*>(tp.metadata), tp.metadata_size);
        out.push_back(std::move(go));
      }
    }
    std::sort(out.begin(), out.end(), [](const GroupOffset& a, const GroupOffset& b) {
      return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
    return out;
  });
}

Result<std::vector<PartitionOutcome>> RdKafkaAdminClient::AlterGroupOffsets(const std::string& group,
                                                                     const std::vector<GroupOffset>& offsets) {
  if (offsets.empty()) return std::vector<PartitionOutcome>{};
  const std::string context = "committing offsets for group=" + group;
  auto retry = [this](const auto& f) { return impl_->Retry<std::vector<PartitionOutcome>>(f); };
  return RetryOutcomes(retry, [&]() -> Result<std::vector<PartitionOutcome>> {
    PartitionListPtr list = NewPartitionList(offsets.size());
    for (const auto& o : offsets) {
      rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition);
      tp->offset = o.offset;
      if (!o.metadata.empty()) {
        // The list frees metadata with free(), so it must come from malloc.
        tp->metadata = std::malloc(o.metadata.size());
        std::memcpy(tp->metadata, o.metadata.data(), o.metadata.size());
        tp->metadata_size = o.metadata.size();
      }
    }
    AlterGroupOffsetsPtr req(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_AlterConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_AlterConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &n);
    return GroupOutcomes(results, n, group, context);
  });
}

Result<std::vector<PartitionOutcome>> RdKafkaAdminClient::DeleteGroupOffsets(const std::string& group,
                                                                      const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return std::vector<PartitionOutcome>{};
  const std::string context = "deleting committed offsets of group=" + group;
  auto retry = [this](const auto& f) { return impl_->Retry<std::vector<PartitionOutcome>>(f); };
  return RetryOutcomes(retry, [&]() -> Result<std::vector<PartitionOutcome>> {
    PartitionListPtr list = NewPartitionList(partitions.size());
    for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    DeleteGroupOffsetsPtr req(rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
    KB_ASSIGN_OR_RETURN(EventPtr ev, impl_->GroupRequest(RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, group, context,
                                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                                      rd_kafka_DeleteConsumerGroupOffsets_t* arr[] = {req.get()};
                                                      rd_kafka_DeleteConsumerGroupOffsets(impl_->rk.get(), arr, 1, o, q);
                                                    }));
    size_t n = 0;
    const rd_kafka_group_result_t** results = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev.get()), &n);
    return GroupOutcomes(results, n, group, context);
  });
}

}  // namespace kb::kafka
