#include "core/error.h"

namespace kb {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPartial: return "partial failure";
    case ErrorCode::kNotImplemented: return "not implemented";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

int ExitCodeFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kPartial: return 3;
    case ErrorCode::kCancelled: return 130;
    default: return 1;
  }
}

}  // namespace kb
