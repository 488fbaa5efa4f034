#pragma once
// Error: the one error type of onair. It carries an API error code (API.md "Errors"), a
// human message, and context that each layer adds as the error travels up, so a log line
// reads like a trace: "joining room: reading member: store: disk I/O error".
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace onair {

enum class ErrorCode {
  invalid_argument,   // 400
  unauthenticated,    // 401
  payment_rejected,   // 402
  permission_denied,  // 403
  not_found,          // 404
  method_not_allowed, // 405
  not_acceptable,     // 406 (WHIP/WHEP: an offer with nothing we can answer)
  conflict,           // 409
  gone,               // 410
  payload_too_large,  // 413
  unsupported_media_type, // 415
  rate_limited,       // 429
  internal,           // 500
  unavailable,        // 503
};

std::string_view to_string(ErrorCode code);
int http_status(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Seconds a client should wait before retrying (rate_limited); 0 when not set.
  int retry_after_s() const { return retry_after_s_; }
  Error& retry_after(int seconds) {
    retry_after_s_ = seconds;
    return *this;
  }

  // Prefixes what the caller was doing: err.context("reading chunk header").
  Error& context(std::string_view what) {
    message_.insert(0, std::string(what) + ": ");
    return *this;
  }
  Error&& with_context(std::string_view what) && {
    context(what);
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string message_;
  int retry_after_s_ = 0;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(Error(code, std::move(message)));
}

}  // namespace onair
