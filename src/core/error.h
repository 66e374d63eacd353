// Error and Result: how every expected failure travels through the code.
//
// Contract: functions that can fail for reasons outside the program's control (I/O, the
// network, bad input) return Result<T>. The Error carries a code the CLI maps to an exit
// status, a message with context ("topic=payments partition=2"), and two flags:
//   retryable  - the same call may succeed later (5xx, connection reset, SlowDown);
//   data_loss  - something was or would be lost; never retried silently.
// Messages never contain secrets: callers pass already-redacted strings.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace kb {

enum class ErrorCode {
  kInvalidArgument,   // bad flag, bad config, bad input: exit 2
  kNotFound,          // object, topic, backup or snapshot missing
  kAlreadyExists,
  kPermissionDenied,  // wrong credentials, forbidden
  kUnavailable,       // server unreachable, timed out
  kCorrupt,           // checksum mismatch, unparsable stored data
  kConflict,          // target not empty, group has active members
  kPartial,           // some partitions or groups failed: exit 3
  kNotImplemented,    // feature not built: exit 1 with a clear message
  kCancelled,         // interrupted: exit 130
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  bool retryable = false;
  bool data_loss = false;

  // Prepends context, e.g. err.With("backup_id=x") -> "backup_id=x: <message>".
  Error With(const std::string& context) const {
    Error e = *this;
    e.message = context + ": " + message;
    return e;
  }
  std::string ToString() const { return std::string(ErrorCodeName(code)) + ": " + message; }
};

// [[nodiscard]]: a failure must be handled or passed on, never dropped by forgetting the result.
// Otherwise it is tl::expected<T, Error> (and converts from it, as its monadic calls return that).
template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result() = default;
  Result(const Base& b) : Base(b) {}
  Result(Base&& b) : Base(std::move(b)) {}
};
using Status = Result<void>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message, bool retryable = false) {
  return tl::unexpected<Error>(Error{code, std::move(message), retryable, false});
}
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }
// kCorrupt for backed-up records that can no longer be read back (a damaged segment, a broken
// chain): the error says so (data_loss) and the CLI names it as data loss.
inline tl::unexpected<Error> FailDataLoss(std::string message) {
  return tl::unexpected<Error>(Error{ErrorCode::kCorrupt, std::move(message), false, true});
}

// Exit status for an error, per PRODUCT.md: 2 usage/config, 3 partial, 130 interrupted, else 1.
int ExitCodeFor(const Error& e);

}  // namespace kb

// Propagates an error from an expression returning Result/Status.
#define KB_TRY(expr)                                          \
  do {                                                        \
    auto kb_try_result_ = (expr);                             \
    if (!kb_try_result_) return tl::unexpected(kb_try_result_.error()); \
  } while (0)

#define KB_CONCAT_INNER(a, b) a##b
#define KB_CONCAT(a, b) KB_CONCAT_INNER(a, b)
// Assigns the value of a Result expression to `lhs`, or returns its error.
#define KB_ASSIGN_OR_RETURN(lhs, expr) KB_ASSIGN_OR_RETURN_IMPL(KB_CONCAT(kb_res_, __LINE__), lhs, expr)
#define KB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp) return tl::unexpected(tmp.error());  \
  lhs = std::move(*tmp)
