#include "media/rtmp/handshake.hpp"

#include <cstring>

#include "auth/crypto.hpp"

namespace onair::rtmp {
namespace {

// The 32 bytes that follow the text of both keys.
constexpr uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                  0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                  0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

std::string make_key(const char* text) {
  return std::string(text) + std::string(reinterpret_cast<const char*>(kKeyTail), sizeof kKeyTail);
}

constexpr size_t kDigestSize = 32;

}  // namespace

std::string_view client_key(bool full) {
  static const std::string key = make_key("Genuine Adobe Flash Player 001");
  return full ? std::string_view(key) : std::string_view(key).substr(0, 30);
}

std::string_view server_key(bool full) {
  static const std::string key = make_key("Genuine Adobe Flash Media Server 001");
  return full ? std::string_view(key) : std::string_view(key).substr(0, 36);
}

size_t digest_offset(std::span<const uint8_t> p, int scheme) {
  size_t base = scheme == 0 ? 8 : 772;
  size_t sum = size_t(p[base]) + p[base + 1] + p[base + 2] + p[base + 3];
  return sum % 728 + base + 4;
}

std::string packet_digest(std::span<const uint8_t> p, size_t offset, std::string_view key) {
  std::string joined(reinterpret_cast<const char*>(p.data()), offset);
  joined.append(reinterpret_cast<const char*>(p.data()) + offset + kDigestSize, p.size() - offset - kDigestSize);
  return auth::hmac_sha256(key, joined);
}

Result<HandshakeReply> server_handshake(std::span<const uint8_t> c0c1, std::string_view random, uint32_t now_ms) {
  if (c0c1.size() != 1 + kHandshakeSize || random.size() < 2 * kHandshakeSize)
    return fail(ErrorCode::invalid_argument, "rtmp handshake: wrong sizes");
  if (c0c1[0] != 3)
    return fail(ErrorCode::invalid_argument, "rtmp handshake: unsupported version " + std::to_string(c0c1[0]));
  auto c1 = c0c1.subspan(1);

  // Which digest scheme, if any, the client used (version bytes 4..7 non-zero hint at it).
  int scheme = -1;
  std::string c1_digest;
  for (int s : {0, 1}) {
    size_t off = digest_offset(c1, s);
    std::string expect = packet_digest(c1, off, client_key(false));
    if (auth::equal_constant_time(expect, std::string_view(reinterpret_cast<const char*>(&c1[off]), kDigestSize))) {
      scheme = s;
      c1_digest = expect;
      break;
    }
  }

  HandshakeReply reply;
  std::string& out = reply.s0s1s2;
  out.reserve(1 + 2 * kHandshakeSize);
  out += char(3);
  std::string s1(random.substr(0, kHandshakeSize));
  s1[0] = char(now_ms >> 24);
  s1[1] = char(now_ms >> 16);
  s1[2] = char(now_ms >> 8);
  s1[3] = char(now_ms);
  if (scheme < 0) {
    // Plain handshake: S1 = time, zero, random; S2 echoes C1 (5.2.3, 5.2.4).
    std::memset(s1.data() + 4, 0, 4);
    out += s1;
    out.append(reinterpret_cast<const char*>(c1.data()), kHandshakeSize);
    return reply;
  }
  reply.complex = true;
  // S1: a server version, then our digest at the client's scheme offset.
  s1[4] = 0x04;
  s1[5] = 0x05;
  s1[6] = 0x00;
  s1[7] = 0x01;
  auto s1span = std::span(reinterpret_cast<const uint8_t*>(s1.data()), s1.size());
  size_t off = digest_offset(s1span, scheme);
  std::string digest = packet_digest(s1span, off, server_key(false));
  std::memcpy(s1.data() + off, digest.data(), kDigestSize);
  out += s1;
  // S2: random, signed with a key derived from the client's digest.
  std::string s2(random.substr(kHandshakeSize, kHandshakeSize));
  std::string key = auth::hmac_sha256(server_key(true), c1_digest);
  std::string sig = auth::hmac_sha256(key, std::string_view(s2).substr(0, kHandshakeSize - kDigestSize));
  std::memcpy(s2.data() + kHandshakeSize - kDigestSize, sig.data(), kDigestSize);
  out += s2;
  return reply;
}

}  // namespace onair::rtmp
