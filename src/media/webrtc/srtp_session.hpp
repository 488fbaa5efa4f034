#pragma once
// SrtpSession: one direction of SRTP/SRTCP (RFC 3711; AES-GCM per RFC 7714) keyed from the
// DTLS-SRTP export (RFC 5764 4.2), on OpenSSL's AES and SHA-1. Packets are protected and
// unprotected in place; protect needs kMaxTrailer bytes of room after the packet. One session
// per transport direction, used on its loop only.
//
// Built on OpenSSL rather than libsrtp2 because Debian's libsrtp2 does its AES through NSS,
// which allocates five times per packet and costs 3-10 us per protect once a node has
// hundreds of sessions (bench/webrtc_floor --crypto); here a protect is one prepared cipher
// context, no allocation. libsrtp2 remains the reference the unit tests compare against,
// byte for byte, in both directions.
//
// Inbound: any SSRC (up to kMaxSsrcs per session), sequence numbers extended with a rollover
// counter (RFC 3711 3.3.1), replays refused with a window of kReplayWindow packets (RTP) and
// SRTCP indices (RTCP). Outbound: resending a packet as it was (a NACK retransmission) is
// allowed, and gives the same bytes.
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
  static constexpr size_t kMaxTrailer = 144;  // room to leave after a packet for protect
  static constexpr size_t kMaxSsrcs = 64;      // SSRCs one session keeps state for
  static constexpr size_t kReplayWindow = 1024;
  enum class Direction { inbound, outbound };

  // `key_and_salt`: the master key followed by the master salt.
  static Result<std::unique_ptr<SrtpSession>> create(SrtpProfile profile, Direction dir, std::string_view key_and_salt);
  virtual ~SrtpSession() = default;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place; `len` is updated. False when the packet is refused (malformed, failed
  // authentication, replayed, too old, the wrong direction, or one SSRC too many).
  bool protect_rtp(uint8_t* packet, size_t& len);
  bool unprotect_rtp(uint8_t* packet, size_t& len);
  bool protect_rtcp(uint8_t* packet, size_t& len);
  bool unprotect_rtcp(uint8_t* packet, size_t& len);

  // The state lives in the same allocation (Impl derives from this class): a fan-out
  // touches thousands of sessions per packet, and every pointer to chase is a cache miss.
  struct Impl;

 protected:
  SrtpSession() = default;
};

}  // namespace onair::webrtc
