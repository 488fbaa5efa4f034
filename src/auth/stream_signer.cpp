#include "auth/stream_signer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>

#include "auth/crypto.hpp"

namespace onair::auth {

Result<SignMode> parse_sign_mode(std::string_view s) {
  if (s == "none") return SignMode::none;
  if (s == "expiry") return SignMode::expiry;
  if (s == "hmac") return SignMode::hmac;
  return fail(ErrorCode::invalid_argument, "sign mode must be none, expiry or hmac");
}

std::string_view to_string(StreamAction a) { return a == StreamAction::publish ? "publish" : "play"; }

bool valid_stream_name(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == '-';
  });
}

namespace {

// Unix seconds as written in a URL (hex in expiry mode, decimal in hmac mode). The value
// comes from anyone on the network: it is bounded in length and checked for overflow
// before each step, so no input reaches signed overflow.
std::optional<int64_t> parse_expire(std::string_view text, int base) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    if (value > (kMax - d) / base) return std::nullopt;
    value = value * base + d;
  }
  return value;
}

}  // namespace

StreamSigner::StreamSigner(SignMode mode, std::string key, std::string play_key)
    : mode_(mode), key_(std::move(key)), play_key_(std::move(play_key)) {
  if (mode_ != SignMode::expiry) return;
  if (play_key_.empty())
    throw std::invalid_argument("media.play_key: required with media.auth: expiry");
  if (play_key_ == key_)
    throw std::invalid_argument("media.play_key: must differ from media.key (a play URL would publish)");
}

std::string StreamSigner::signature(std::string_view stream, StreamAction action,
                                    std::string_view expire) const {
  if (mode_ == SignMode::expiry) {
    // The md5 input has no action: the key says which one the URL grants.
    const std::string& key = action == StreamAction::publish ? key_ : play_key_;
    std::string input;
    input.reserve(key.size() + stream.size() + expire.size());
    input.append(key).append(stream).append(expire);
    return to_hex(md5(input));
  }
  return to_hex(hmac_sha256(key_, fmt::format("{}:{}:{}", stream, expire, to_string(action))));
}

std::string StreamSigner::query(std::string_view stream, StreamAction action,
                                int64_t expire_unix) const {
  if (mode_ == SignMode::none) return {};
  std::string expire = mode_ == SignMode::expiry ? fmt::format("{:x}", expire_unix)
                                                 : fmt::format("{}", expire_unix);
  return fmt::format("expire={}&sign={}", expire, signature(stream, action, expire));
}

Result<void> StreamSigner::verify(std::string_view stream, StreamAction action,
                                  std::string_view expire, std::string_view sign,
                                  int64_t now_unix) const {
  if (mode_ == SignMode::none) return {};
  auto denied = [](const char* why) { return fail(ErrorCode::permission_denied, why); };
  if (expire.empty() || sign.empty()) return denied("missing expire or sign");
  auto value = parse_expire(expire, mode_ == SignMode::expiry ? 16 : 10);
  if (!value) return denied("malformed expire");
  std::string lower(sign);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // The signature is checked before the time so a forged URL never learns about expiry.
  if (!equal_constant_time(lower, signature(stream, action, expire)))
    return denied("signature does not match");
  if (*value < now_unix) return denied("signed URL expired");
  return {};
}

}  // namespace onair::auth
