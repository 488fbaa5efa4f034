#include "media/webrtc/stun.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onair::webrtc::stun {
namespace {

std::string unhex(std::string_view h) {
  std::string out;
  int hi = -1;
  for (char c : h) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out += char(hi * 16 + v);
      hi = -1;
    }
  }
  return out;
}

// RFC 5769 2.1: a Binding request with short-term credentials.
const std::string kRequest = unhex(
    "0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae"
    "8022 0010 5354554e 20746573 7420636c 69656e74"
    "0024 0004 6e0001ff"
    "8029 0008 932ff9b1 51263b36"
    "0006 0009 6576746a 3a683676 59202020"
    "0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2"
    "8028 0004 e57a3bcf");
const std::string kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const TransactionId kTx = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

TEST(Stun, ParsesAndVerifiesTheRfc5769Request) {
  ASSERT_TRUE(looks_like_stun(kRequest));
  auto m = parse(kRequest);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->method, kBinding);
  EXPECT_EQ(m->cls, Class::request);
  EXPECT_EQ(m->transaction, kTx);
  ASSERT_EQ(m->attributes.size(), 6u);
  EXPECT_EQ(m->find(attr::username)->value, "evtj:h6vY");
  EXPECT_EQ(m->find(attr::software)->value, "STUN test client");
  EXPECT_TRUE(m->unknown_required().empty());
  EXPECT_TRUE(fingerprint_ok(*m));
  EXPECT_TRUE(integrity_ok(*m, kPassword));
  EXPECT_FALSE(integrity_ok(*m, "wrong password"));
}

TEST(Stun, BuildsTheRfc5769RequestByteForByte) {
  std::string built = Builder(kBinding, Class::request, kTx)
                          .add(attr::software, "STUN test client")
                          .add_u32(attr::priority, 0x6e0001ff)
                          .add(attr::ice_controlled, unhex("932ff9b151263b36"))
                          .add(attr::username, "evtj:h6vY")
                          .finish(std::string_view(kPassword), true, ' ');
  EXPECT_EQ(built, kRequest);
}

TEST(Stun, XorMappedAddressOfTheRfc5769Response) {
  Address a;
  a.ip = {192, 0, 2, 1};
  a.port = 32853;
  EXPECT_EQ(xor_address(a, kTx), unhex("0001 a147 e112a643"));
  auto back = parse_xor_address(xor_address(a, kTx), kTx);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);
  // IPv6 (RFC 5769 2.3's address) round-trips through the transaction id mask.
  Address b;
  b.v6 = true;
  b.ip = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  b.port = 32853;
  auto back6 = parse_xor_address(xor_address(b, kTx), kTx);
  ASSERT_TRUE(back6);
  EXPECT_EQ(*back6, b);
}

TEST(Stun, AResponseWeBuildVerifies) {
  Address a;
  a.ip = {127, 0, 0, 1};
  a.port = 50000;
  std::string resp = Builder(kBinding, Class::success, kTx)
                         .add(attr::xor_mapped_address, xor_address(a, kTx))
                         .finish(std::string_view("server-pwd"), true);
  auto m = parse(resp);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->cls, Class::success);
  EXPECT_TRUE(integrity_ok(*m, "server-pwd"));
  EXPECT_TRUE(fingerprint_ok(*m));
  EXPECT_EQ(*parse_xor_address(m->find(attr::xor_mapped_address)->value, kTx), a);
  // Error answers carry class and number.
  std::string err = Builder(kBinding, Class::error, kTx).add_error(487, "Role Conflict").finish(std::nullopt, true);
  auto e = parse(err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->cls, Class::error);
  EXPECT_EQ(e->find(attr::error_code)->value.substr(2, 2), std::string("\x04\x57", 2));
}

TEST(Stun, TamperingAndMalformedInputAreCaught) {
  std::string flipped = kRequest;
  flipped[30] ^= 1;  // inside SOFTWARE
  auto m = parse(flipped);
  ASSERT_TRUE(m);
  EXPECT_FALSE(fingerprint_ok(*m));
  EXPECT_FALSE(integrity_ok(*m, kPassword));
  EXPECT_FALSE(parse(kRequest.substr(0, 19)));                 // short
  EXPECT_FALSE(parse(kRequest.substr(0, kRequest.size() - 4)));  // length mismatch
  std::string no_cookie = kRequest;
  no_cookie[4] = 0;
  EXPECT_FALSE(parse(no_cookie));
  std::string overrun = kRequest;
  overrun[22] = char(0xff);  // SOFTWARE claims 0xff10 bytes
  EXPECT_FALSE(parse(overrun));
  std::string rtp = "\x80\x60" + std::string(30, '\0');
  EXPECT_FALSE(looks_like_stun(rtp));
  // Unknown comprehension-required attributes are reported (for a 420 answer).
  std::string odd = Builder(kBinding, Class::request, kTx).add(0x0042, "x").finish(std::nullopt, false);
  auto o = parse(odd);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->unknown_required().size(), 1u);
  EXPECT_EQ(o->unknown_required()[0], 0x0042);
}

TEST(Stun, Crc32CheckValue) { EXPECT_EQ(crc32("123456789"), 0xCBF43926u); }

}  // namespace
}  // namespace onair::webrtc::stun

#include "media/webrtc/demux.hpp"

namespace onair::webrtc {
namespace {

TEST(Demux, FirstByteRangesOfRfc7983) {
  using std::string;
  EXPECT_EQ(classify(string("\x00\x01", 2)), PacketKind::stun);
  EXPECT_EQ(classify(string("\x16\xfe\xfd", 3)), PacketKind::dtls);           // handshake
  EXPECT_EQ(classify(string("\x80\x60", 2)), PacketKind::rtp);                // PT 96
  EXPECT_EQ(classify(string("\x80\xc8", 2)), PacketKind::rtcp);               // SR
  EXPECT_EQ(classify(string("\x81\xcd", 2)), PacketKind::rtcp);               // RTPFB
  EXPECT_EQ(classify(string("\x40\x00", 2)), PacketKind::unknown);            // TURN channel
  EXPECT_EQ(classify(string("\x11", 1)), PacketKind::unknown);                // ZRTP
  EXPECT_EQ(classify(string("\x80", 1)), PacketKind::unknown);
  EXPECT_EQ(classify(""), PacketKind::unknown);
}

}  // namespace
}  // namespace onair::webrtc
