#include "offsets/offset_commit.h"

#include <chrono>
#include <map>
#include <set>

namespace kb::offsets {

using nlohmann::json;

std::vector<OffsetMismatch> CompareOffsets(const std::string& group, const std::vector<kafka::GroupOffset>& expected,
                                           const std::vector<kafka::GroupOffset>& actual) {
  std::map<kafka::TopicPartition, int64_t> have;
  for (const auto& o : actual) have[{o.topic, o.partition}] = o.offset;
  std::vector<OffsetMismatch> out;
  for (const auto& e : expected) {
    auto it = have.find({e.topic, e.partition});
    if (it == have.end()) out.push_back({group, e.topic, e.partition, e.offset, std::nullopt});
    else if (it->second != e.offset) out.push_back({group, e.topic, e.partition, e.offset, it->second});
  }
  return out;
}

bool GroupCommitResult::ok() const { return !refused && error.empty() && failed_partitions() == 0; }

size_t GroupCommitResult::failed_partitions() const {
  size_t n = 0;
  for (const auto& p : partitions) n += p.error.empty() ? 0 : 1;
  return n;
}

json GroupCommitResult::ToJson() const {
  json j{{"group", group}, {"state", state}, {"active_members", active_members}, {"refused", refused},
         {"ok", ok()}, {"verified", verified}, {"attempts", attempts}, {"latency_ms", latency_ms},
         {"partitions", json::array()}};
  if (!error.empty()) j["error"] = error;
  for (const auto& p : partitions) {
    json jp{{"topic", p.topic}, {"partition", p.partition}, {"offset", p.offset}};
    if (p.read_back) jp["read_back"] = *p.read_back;
    if (!p.error.empty()) jp["error"] = p.error;
    j["partitions"].push_back(std::move(jp));
  }
  if (!deleted.empty()) {
    j["deleted"] = json::array();
    for (const auto& d : deleted) j["deleted"].push_back({{"topic", d.topic}, {"partition", d.partition}});
  }
  return j;
}

namespace {
bool Inactive(const kafka::GroupDescription& d) {
  return d.members.empty() && (d.state == kafka::GroupState::kEmpty || d.state == kafka::GroupState::kDead);
}
std::string ActiveMessage(const std::string& group, const kafka::GroupDescription& d) {
  std::string msg = "group=" + group + " has " + std::to_string(d.members.size()) + " active member(s) (state " +
                    kafka::GroupStateName(d.state) + ")";
  if (!d.members.empty()) msg += ", e.g. client " + d.members.front().client_id + " on " + d.members.front().host;
  return msg + ": stop its consumers first, or pass --force";
}
}  // namespace

Status CheckGroupInactive(kafka::AdminClient& admin, const std::string& group) {
  KB_ASSIGN_OR_RETURN(auto d, admin.DescribeConsumerGroup(group));
  if (!Inactive(d)) return Fail(ErrorCode::kConflict, ActiveMessage(group, d));
  return {};
}

GroupCommitResult CommitGroupOffsets(kafka::AdminClient& admin, const std::string& group,
                                     const std::vector<kafka::GroupOffset>& wanted, const CommitOptions& options) {
  auto start = std::chrono::steady_clock::now();
  GroupCommitResult r;
  r.group = group;
  auto finish = [&]() -> GroupCommitResult {
    r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  for (const auto& w : wanted) r.partitions.push_back({w.topic, w.partition, w.offset, std::nullopt, ""});

  auto desc = options.retry.Run<kafka::GroupDescription>([&] { return admin.DescribeConsumerGroup(group); });
  // A whole-group failure: its message, and whether another try may get past it.
  auto fail = [&](const std::string& what, const Error& e) {
    r.error = what + e.message;
    r.retryable = e.retryable;
    return finish();
  };
  if (!desc) return fail("", desc.error());
  r.state = kafka::GroupStateName(desc->state);
  r.active_members = desc->members.size();
  if (!Inactive(*desc) && !options.force) {
    r.refused = true;
    r.error = ActiveMessage(group, *desc);
    return finish();
  }
  if (wanted.empty() && !options.delete_extra) {
    r.verified = options.verify;
    return finish();
  }

  if (!wanted.empty()) {
    // Retries cover a failed request and partitions refused with a retryable error (coordinator
    // moving or loading); a partition refused for good keeps its error.
    std::vector<kafka::GroupOffset> pending = wanted;
    std::map<kafka::TopicPartition, Error> errors;
    auto run = options.retry.Run<bool>([&]() -> Result<bool> {
      ++r.attempts;
      KB_ASSIGN_OR_RETURN(auto outcomes, admin.AlterGroupOffsets(group, pending));
      std::vector<kafka::GroupOffset> again;
      for (const auto& o : outcomes) {
        kafka::TopicPartition tp{o.topic, o.partition};
        if (!o.error) {
          errors.erase(tp);
          continue;
        }
        errors.insert_or_assign(tp, *o.error);
        if (o.error->retryable)
          for (const auto& p : pending)
            if (p.topic == o.topic && p.partition == o.partition) again.push_back(p);
      }
      if (again.empty()) return true;
      pending = std::move(again);
      return Fail(ErrorCode::kUnavailable, "group=" + group + ": " + std::to_string(pending.size()) +
                                               " partition(s) refused with a retryable error", true);
    });
    if (!run && errors.empty()) return fail("", run.error());
    for (auto& p : r.partitions) {
      auto it = errors.find({p.topic, p.partition});
      if (it == errors.end()) continue;
      p.error = it->second.message;
      r.retryable = r.retryable || it->second.retryable;
    }
  }

  if (options.delete_extra) {
    auto current = admin.ListGroupOffsets(group);
    if (!current) return fail("listing offsets for --delete-extra failed: ", current.error());
    std::set<kafka::TopicPartition> keep;
    for (const auto& w : wanted) keep.insert({w.topic, w.partition});
    std::vector<kafka::TopicPartition> extra;
    for (const auto& c : *current)
      if (!keep.count({c.topic, c.partition})) extra.push_back({c.topic, c.partition});
    if (!extra.empty()) {
      auto del = admin.DeleteGroupOffsets(group, extra);
      if (!del) return fail("deleting offsets the snapshot lacks failed: ", del.error());
      for (const auto& o : *del) {
        if (!o.error) {
          r.deleted.push_back({o.topic, o.partition});
          continue;
        }
        r.error += (r.error.empty() ? "" : "; ") +
                   ("topic=" + o.topic + " partition=" + std::to_string(o.partition) + ": delete failed: " + o.error->message);
        r.retryable = r.retryable || o.error->retryable;
      }
    }
  }

  if (options.verify) {
    auto back = options.retry.Run<std::vector<kafka::GroupOffset>>([&] { return admin.ListGroupOffsets(group); });
    if (!back) return fail("reading offsets back failed: ", back.error());
    std::map<kafka::TopicPartition, int64_t> have;
    for (const auto& o : *back) have[{o.topic, o.partition}] = o.offset;
    for (auto& p : r.partitions) {
      auto it = have.find({p.topic, p.partition});
      if (it != have.end()) p.read_back = it->second;
      if (!p.error.empty()) continue;
      if (it == have.end()) p.error = "verification: no offset committed after the commit";
      else if (it->second != p.offset)
        p.error = "verification: committed offset is " + std::to_string(it->second) + ", expected " + std::to_string(p.offset);
    }
    r.verified = true;
  }
  return finish();
}

}  // namespace kb::offsets
