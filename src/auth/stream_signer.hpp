#pragma once
// StreamSigner: signs and checks media URLs (API.md "Media URLs and signing").
//   expiry: expire = Unix seconds in lowercase hex; sign = hex md5(k + stream + expire),
//           where k is the publish key (media.key) or the play key (media.play_key): the
//           CDN-style signature carries no action, so the action is in the key, and a play
//           URL (which every viewer gets) can never publish.
//   hmac:   expire = Unix seconds in decimal; sign = hex HMAC-SHA256(key,
//           stream + ":" + expire + ":" + action)
//   none:   nothing to sign or check.
// Pure and thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace onair::auth {

enum class SignMode { none, expiry, hmac };
enum class StreamAction { publish, play };

Result<SignMode> parse_sign_mode(std::string_view s);
std::string_view to_string(StreamAction a);

// A stream name is 1..128 of [A-Za-z0-9_.@-].
bool valid_stream_name(std::string_view stream);

class StreamSigner {
 public:
  // `play_key` signs play URLs in expiry mode and must be set there, and differ from `key`
  // (std::invalid_argument otherwise: a start-up configuration error). Unused in other modes.
  StreamSigner(SignMode mode, std::string key, std::string play_key = {});

  SignMode mode() const { return mode_; }

  // "expire=...&sign=..." valid until `expire_unix`; empty in mode none.
  std::string query(std::string_view stream, StreamAction action, int64_t expire_unix) const;

  // Checks the `expire` and `sign` query values for `stream` and `action` at `now_unix`.
  // permission_denied with the reason (missing, malformed, expired, wrong signature).
  // `expire` is untrusted input: at most 16 digits and at most INT64_MAX, else malformed.
  Result<void> verify(std::string_view stream, StreamAction action, std::string_view expire,
                      std::string_view sign, int64_t now_unix) const;

 private:
  std::string signature(std::string_view stream, StreamAction action,
                        std::string_view expire) const;

  SignMode mode_;
  std::string key_;
  std::string play_key_;
};

}  // namespace onair::auth
