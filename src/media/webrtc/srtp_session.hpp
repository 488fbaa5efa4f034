#pragma once
// SrtpSession: one direction of SRTP/SRTCP (RFC 3711, RFC 7714) over libsrtp2, keyed from
// the DTLS-SRTP export (RFC 5764 4.2). Packets are protected and unprotected in place; the
// buffer must have kMaxTrailer bytes of room after the packet for protect. One session per
// transport direction, used on its loop only.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/error.hpp"

namespace onair::webrtc {

enum class SrtpProfile { aes128_cm_sha1_80, aead_aes_128_gcm };

// Master key + salt lengths of a profile (RFC 5764 4.1.2, RFC 7714 14.2).
size_t srtp_key_length(SrtpProfile p);
size_t srtp_salt_length(SrtpProfile p);

class SrtpSession {
 public:
  static constexpr size_t kMaxTrailer = 144;  // SRTP_MAX_TRAILER_LEN
  enum class Direction { inbound, outbound };

  // `key_and_salt`: the master key followed by the master salt.
  static Result<std::unique_ptr<SrtpSession>> create(SrtpProfile profile, Direction dir, std::string_view key_and_salt);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place; `len` is updated. False when the packet is refused (auth failure, replay,
  // malformed).
  bool protect_rtp(uint8_t* packet, size_t& len);
  bool unprotect_rtp(uint8_t* packet, size_t& len);
  bool protect_rtcp(uint8_t* packet, size_t& len);
  bool unprotect_rtcp(uint8_t* packet, size_t& len);

 private:
  explicit SrtpSession(void* ctx) : ctx_(ctx) {}
  void* ctx_;  // srtp_t
};

}  // namespace onair::webrtc
