#include "media/rtmp/handshake.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "auth/crypto.hpp"

namespace onair::rtmp {
namespace {

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = char(rng());
  return s;
}

std::span<const uint8_t> span_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// A C0+C1 as a digest-handshake client builds it (scheme 0 is what ffmpeg uses).
std::string digest_c0c1(int scheme) {
  std::string c1 = random_bytes(kHandshakeSize, 3);
  std::memcpy(c1.data() + 4, "\x0a\x00\x2d\x02", 4);  // a Flash Player version
  size_t off = digest_offset(span_of(c1), scheme);
  std::string d = packet_digest(span_of(c1), off, client_key(false));
  std::memcpy(c1.data() + off, d.data(), 32);
  return std::string(1, '\x03') + c1;
}

TEST(Handshake, KeysAreTheProtocolConstants) {
  EXPECT_EQ(client_key(false), "Genuine Adobe Flash Player 001");
  EXPECT_EQ(server_key(false), "Genuine Adobe Flash Media Server 001");
  EXPECT_EQ(client_key(true).size(), 62u);
  EXPECT_EQ(server_key(true).size(), 68u);
  EXPECT_EQ(auth::to_hex(server_key(true).substr(36, 4)), "f0eec24a");
}

TEST(Handshake, PlainClientGetsS1AndAnEchoOfC1) {
  std::string c0c1 = std::string(1, '\x03') + std::string(8, '\0') + random_bytes(kHandshakeSize - 8, 1);
  auto r = server_handshake(span_of(c0c1), random_bytes(2 * kHandshakeSize, 2), 1234);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->complex);
  ASSERT_EQ(r->s0s1s2.size(), 1 + 2 * kHandshakeSize);
  EXPECT_EQ(r->s0s1s2[0], 3);
  EXPECT_EQ(r->s0s1s2.substr(5, 4), std::string(4, '\0'));  // S1 "zero" field
  EXPECT_EQ(r->s0s1s2.substr(1 + kHandshakeSize), c0c1.substr(1));
}

TEST(Handshake, DigestClientGetsASignedS1AndS2AsFfmpegChecksThem) {
  for (int scheme : {0, 1}) {
    std::string c0c1 = digest_c0c1(scheme);
    auto r = server_handshake(span_of(c0c1), random_bytes(2 * kHandshakeSize, 4), 99);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->complex);
    std::string s1 = r->s0s1s2.substr(1, kHandshakeSize);
    std::string s2 = r->s0s1s2.substr(1 + kHandshakeSize);
    // S1's digest verifies with the server key at the same scheme's offset.
    size_t off = digest_offset(span_of(s1), scheme);
    EXPECT_EQ(packet_digest(span_of(s1), off, server_key(false)), s1.substr(off, 32));
    // S2's last 32 bytes are HMAC(HMAC(full server key, C1 digest), S2 without them).
    std::string c1 = c0c1.substr(1);
    size_t coff = digest_offset(span_of(c1), scheme);
    std::string key = auth::hmac_sha256(server_key(true), c1.substr(coff, 32));
    EXPECT_EQ(auth::hmac_sha256(key, s2.substr(0, kHandshakeSize - 32)), s2.substr(kHandshakeSize - 32));
  }
}

TEST(Handshake, RefusesOtherVersionsAndSizes) {
  std::string c0c1 = std::string(1, '\x06') + random_bytes(kHandshakeSize, 1);
  EXPECT_FALSE(server_handshake(span_of(c0c1), random_bytes(2 * kHandshakeSize, 2), 0));
  EXPECT_FALSE(server_handshake(span_of(c0c1.substr(0, 100)), random_bytes(2 * kHandshakeSize, 2), 0));
}

}  // namespace
}  // namespace onair::rtmp
