#pragma once
// The server side of the RTMP handshake (RTMP 1.0 section 5.2, and the digest ("complex")
// form Flash Player, OBS and ffmpeg send). Pure: the caller supplies the random bytes and the
// time, so the function is deterministic and testable.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace onair::rtmp {

constexpr size_t kHandshakeSize = 1536;

// The Flash Player / Flash Media Server digest keys: the fixed protocol constants every
// implementation of the digest handshake uses (30 and 36 byte text prefixes + 32 bytes).
std::string_view client_key(bool full);  // "Genuine Adobe Flash Player 001" [+ 32 bytes]
std::string_view server_key(bool full);  // "Genuine Adobe Flash Media Server 001" [+ 32 bytes]

// Where the digest of a handshake packet sits: scheme 0 counts the offset from bytes 8..11
// (digest block first), scheme 1 from bytes 772..775 (key block first).
size_t digest_offset(std::span<const uint8_t> packet, int scheme);
// HMAC-SHA256 of the packet without its 32 digest bytes at `offset`.
std::string packet_digest(std::span<const uint8_t> packet, size_t offset, std::string_view key);

struct HandshakeReply {
  std::string s0s1s2;   // 1 + 1536 + 1536 bytes to send
  bool complex = false;  // the digest form was used
};

// `c0c1`: the client's first 1537 bytes. `random`: 3072 random bytes. `now_ms`: S1's time.
// Refuses a version other than 3 (RTMP 5.2.2).
Result<HandshakeReply> server_handshake(std::span<const uint8_t> c0c1, std::string_view random, uint32_t now_ms);

}  // namespace onair::rtmp
