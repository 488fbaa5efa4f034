#include "media/webrtc/srtp_session.hpp"

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace onair::webrtc {
namespace {

std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc, size_t payload) {
  std::vector<uint8_t> p(12 + payload + SrtpSession::kMaxTrailer, 0);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = uint8_t(seq >> 8);
  p[3] = uint8_t(seq);
  p[8] = uint8_t(ssrc >> 24);
  p[9] = uint8_t(ssrc >> 16);
  p[10] = uint8_t(ssrc >> 8);
  p[11] = uint8_t(ssrc);
  for (size_t i = 0; i < payload; ++i) p[12 + i] = uint8_t(i * 7);
  return p;
}

class Srtp : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(Srtp, RoundTripsRtpAndRtcpAndRefusesTamperingAndReplay) {
  SrtpProfile profile = GetParam();
  std::string key(srtp_key_length(profile) + srtp_salt_length(profile), '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = char(i * 13 + 1);
  auto out = SrtpSession::create(profile, SrtpSession::Direction::outbound, key);
  auto in = SrtpSession::create(profile, SrtpSession::Direction::inbound, key);
  ASSERT_TRUE(out) << out.error().message();
  ASSERT_TRUE(in) << in.error().message();

  auto p = rtp_packet(1000, 0x11223344, 200);
  auto plain = p;
  size_t len = 12 + 200;
  ASSERT_TRUE((*out)->protect_rtp(p.data(), len));
  EXPECT_GT(len, 212u);  // the tag
  EXPECT_NE(std::vector<uint8_t>(p.begin() + 12, p.begin() + 212), std::vector<uint8_t>(plain.begin() + 12, plain.begin() + 212));
  auto wire = p;
  size_t wire_len = len;
  ASSERT_TRUE((*in)->unprotect_rtp(p.data(), len));
  EXPECT_EQ(len, 212u);
  EXPECT_EQ(std::vector<uint8_t>(p.begin(), p.begin() + 212), std::vector<uint8_t>(plain.begin(), plain.begin() + 212));
  // The same packet again is a replay.
  auto again = wire;
  size_t again_len = wire_len;
  EXPECT_FALSE((*in)->unprotect_rtp(again.data(), again_len));
  // A flipped bit fails authentication.
  auto bad = rtp_packet(1001, 0x11223344, 200);
  size_t bad_len = 212;
  ASSERT_TRUE((*out)->protect_rtp(bad.data(), bad_len));
  bad[40] ^= 1;
  EXPECT_FALSE((*in)->unprotect_rtp(bad.data(), bad_len));

  // RTCP: a receiver report.
  std::vector<uint8_t> rr(8 + SrtpSession::kMaxTrailer, 0);
  rr[0] = 0x80;
  rr[1] = 201;
  rr[3] = 1;
  rr[7] = 9;
  size_t rr_len = 8;
  ASSERT_TRUE((*out)->protect_rtcp(rr.data(), rr_len));
  EXPECT_GT(rr_len, 8u);
  ASSERT_TRUE((*in)->unprotect_rtcp(rr.data(), rr_len));
  EXPECT_EQ(rr_len, 8u);
  EXPECT_EQ(rr[1], 201);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Srtp,
                         ::testing::Values(SrtpProfile::aes128_cm_sha1_80, SrtpProfile::aead_aes_128_gcm));

TEST(SrtpKeys, WrongKeyLengthIsRefused) {
  EXPECT_FALSE(SrtpSession::create(SrtpProfile::aes128_cm_sha1_80, SrtpSession::Direction::inbound, "short"));
  EXPECT_EQ(srtp_salt_length(SrtpProfile::aes128_cm_sha1_80), 14u);
  EXPECT_EQ(srtp_salt_length(SrtpProfile::aead_aes_128_gcm), 12u);
}

// ---- Against libsrtp2, the reference: the same bytes both ways --------------------------

// One libsrtp2 session, set up as WebRTC does (any SSRC, window 1024, resends allowed).
class Reference {
 public:
  Reference(SrtpProfile profile, SrtpSession::Direction dir, const std::string& key) {
    static bool ok = srtp_init() == srtp_err_status_ok;
    EXPECT_TRUE(ok);
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    if (profile == SrtpProfile::aead_aes_128_gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = dir == SrtpSession::Direction::inbound ? ssrc_any_inbound : ssrc_any_outbound;
    std::string k = key;
    policy.key = reinterpret_cast<unsigned char*>(k.data());
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    EXPECT_EQ(srtp_create(&ctx_, &policy), srtp_err_status_ok);
  }
  ~Reference() { srtp_dealloc(ctx_); }
  bool protect_rtp(uint8_t* p, size_t& len) { return run(srtp_protect, p, len); }
  bool unprotect_rtp(uint8_t* p, size_t& len) { return run(srtp_unprotect, p, len); }
  bool protect_rtcp(uint8_t* p, size_t& len) { return run(srtp_protect_rtcp, p, len); }
  bool unprotect_rtcp(uint8_t* p, size_t& len) { return run(srtp_unprotect_rtcp, p, len); }

 private:
  template <class F>
  bool run(F f, uint8_t* p, size_t& len) {
    int n = int(len);
    if (f(ctx_, p, &n) != srtp_err_status_ok) return false;
    len = size_t(n);
    return true;
  }
  srtp_t ctx_ = nullptr;
};

using Bytes = std::vector<uint8_t>;

// An RTP packet with `csrcs` CSRCs, a one-byte-header extension of `ext_words` words when
// > 0, and `payload` bytes.
Bytes rtp(uint16_t seq, uint32_t ssrc, size_t payload, size_t csrcs = 0, size_t ext_words = 0) {
  Bytes p;
  p.push_back(uint8_t(0x80 | (ext_words ? 0x10 : 0) | csrcs));
  p.push_back(0x60 | 0x80);
  p.push_back(uint8_t(seq >> 8));
  p.push_back(uint8_t(seq));
  for (uint32_t v : {seq * 3000u, ssrc})
    for (int i = 3; i >= 0; --i) p.push_back(uint8_t(v >> (8 * i)));
  for (size_t c = 0; c < csrcs; ++c)
    for (int i = 0; i < 4; ++i) p.push_back(uint8_t(0xc0 + c));
  if (ext_words) {
    p.insert(p.end(), {0xbe, 0xde, 0, uint8_t(ext_words)});
    for (size_t i = 0; i < ext_words * 4; ++i) p.push_back(uint8_t(0x10 + i));
  }
  for (size_t i = 0; i < payload; ++i) p.push_back(uint8_t(seq + i * 31));
  return p;
}

// A compound RTCP packet: a receiver report with one block, then an SDES.
Bytes rtcp(uint32_t ssrc, uint8_t salt) {
  Bytes p = {0x81, 201, 0, 7};
  for (int i = 3; i >= 0; --i) p.push_back(uint8_t(ssrc >> (8 * i)));
  for (int i = 0; i < 24; ++i) p.push_back(uint8_t(salt + i));
  Bytes sdes = {0x81, 202, 0, 3};
  for (int i = 3; i >= 0; --i) sdes.push_back(uint8_t(ssrc >> (8 * i)));
  sdes.insert(sdes.end(), {1, 2, 'o', 'n', 0, 0, 0, 0});
  p.insert(p.end(), sdes.begin(), sdes.end());
  return p;
}

std::string master_key(SrtpProfile profile, uint8_t seed) {
  std::string k(srtp_key_length(profile) + srtp_salt_length(profile), '\0');
  for (size_t i = 0; i < k.size(); ++i) k[i] = char(seed + i * 41);
  return k;
}

// Protects `plain` with both implementations and expects the same bytes; returns them.
template <class A, class B>
Bytes protect_both(A& ours, B& ref, const Bytes& plain, bool is_rtcp) {
  Bytes x = plain, y = plain;
  x.resize(plain.size() + SrtpSession::kMaxTrailer);
  y.resize(plain.size() + SrtpSession::kMaxTrailer);
  size_t lx = plain.size(), ly = plain.size();
  bool okx = is_rtcp ? ours.protect_rtcp(x.data(), lx) : ours.protect_rtp(x.data(), lx);
  bool oky = is_rtcp ? ref.protect_rtcp(y.data(), ly) : ref.protect_rtp(y.data(), ly);
  EXPECT_TRUE(okx);
  EXPECT_TRUE(oky);
  x.resize(lx);
  y.resize(ly);
  EXPECT_EQ(x, y);
  return x;
}

// Unprotects `wire` with `in`; the plain packet, or nothing when refused.
template <class S>
std::optional<Bytes> open(S& in, const Bytes& wire, bool is_rtcp) {
  Bytes b = wire;
  size_t len = b.size();
  bool ok = is_rtcp ? in.unprotect_rtcp(b.data(), len) : in.unprotect_rtp(b.data(), len);
  if (!ok) return std::nullopt;
  b.resize(len);
  return b;
}

class SrtpReference : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpProfile profile = GetParam();
  std::string key = master_key(profile, 7);
  std::unique_ptr<SrtpSession> out = SrtpSession::create(profile, SrtpSession::Direction::outbound, key).value();
  std::unique_ptr<SrtpSession> in = SrtpSession::create(profile, SrtpSession::Direction::inbound, key).value();
  Reference ref_out{profile, SrtpSession::Direction::outbound, key};
  Reference ref_in{profile, SrtpSession::Direction::inbound, key};
};

TEST_P(SrtpReference, RtpIsByteForByteLibsrtpsAcrossHeadersSizesSsrcsAndTheSequenceWrap) {
  // Two SSRCs, the sequence numbers running through 65535 -> 0 (the rollover counter),
  // headers with CSRCs and extensions, payloads from empty to a full video packet.
  const size_t sizes[] = {0, 1, 15, 16, 17, 160, 1174};
  uint16_t seq = 65500;
  for (int i = 0; i < 120; ++i, ++seq) {
    for (uint32_t ssrc : {0x11111111u, 0xfedcba98u}) {
      Bytes plain = rtp(seq, ssrc, sizes[size_t(i) % 7], size_t(i) % 3, size_t(i) % 4);
      Bytes wire = protect_both(*out, ref_out, plain, false);
      EXPECT_EQ(open(*in, wire, false), plain) << "seq " << seq;
      Bytes wire2 = protect_both(*out, ref_out, plain, false);  // a resend: same bytes
      EXPECT_EQ(wire2, wire);
      EXPECT_EQ(open(ref_in, wire, false), plain) << "seq " << seq;
    }
  }
}

TEST_P(SrtpReference, RtcpIsByteForByteLibsrtps) {
  for (int i = 0; i < 40; ++i) {
    for (uint32_t ssrc : {0x01020304u, 0xa0b0c0d0u}) {
      Bytes plain = rtcp(ssrc, uint8_t(i));
      Bytes wire = protect_both(*out, ref_out, plain, true);
      EXPECT_EQ(open(*in, wire, true), plain);
      EXPECT_EQ(open(ref_in, wire, true), plain);
    }
  }
}

TEST_P(SrtpReference, WhatLibsrtpSendsOpensHereStartingAnywhere) {
  // A browser's first sequence number is random: start high, cross the wrap, skip ahead.
  for (uint16_t start : {uint16_t(0), uint16_t(30000), uint16_t(40000), uint16_t(65535)}) {
    uint32_t ssrc = 0x5000u + start;
    uint16_t seq = start;
    for (int i = 0; i < 300; ++i) {
      seq = uint16_t(seq + (i % 50 == 49 ? 300 : 1));
      Bytes plain = rtp(seq, ssrc, 100 + size_t(i));
      Bytes wire = plain;
      wire.resize(plain.size() + SrtpSession::kMaxTrailer);
      size_t len = plain.size();
      ASSERT_TRUE(ref_out.protect_rtp(wire.data(), len));
      wire.resize(len);
      ASSERT_EQ(open(*in, wire, false), plain) << "start " << start << " packet " << i;
    }
  }
}

TEST_P(SrtpReference, ReordersWithinTheWindowPassAndReplaysTamperingAndOldPacketsDoNot) {
  std::vector<Bytes> wires, plains;
  for (uint16_t s = 100; s < 1300; ++s) {
    plains.push_back(rtp(s, 0x42, 50));
    wires.push_back(protect_both(*out, ref_out, plains.back(), false));
  }
  // 0..9 in order, then 20, then 10..19 late (reordered): all pass once.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(open(*in, wires[size_t(i)], false));
  ASSERT_TRUE(open(*in, wires[20], false));
  for (int i = 10; i < 20; ++i) ASSERT_EQ(open(*in, wires[size_t(i)], false), plains[size_t(i)]);
  for (int i : {0, 5, 15, 20}) EXPECT_FALSE(open(*in, wires[size_t(i)], false)) << "replay " << i;
  // Far ahead: 1199 is the highest; 100 (1099 behind) is outside the window of 1024,
  // 30 (never seen, 1169 behind) too; 180 (1019 behind, never seen) is inside.
  ASSERT_TRUE(open(*in, wires[1199], false));
  EXPECT_FALSE(open(*in, wires[30], false));
  EXPECT_TRUE(open(*in, wires[180], false));
  EXPECT_FALSE(open(*in, wires[180], false));
  // A flipped bit anywhere, in the header, the payload or the tag, fails; so does a cut.
  for (size_t at : {size_t(1), size_t(9), size_t(20), wires[1198].size() - 1}) {
    Bytes bad = wires[1198];
    bad[at] ^= 0x01;
    EXPECT_FALSE(open(*in, bad, false)) << "flipped byte " << at;
  }
  Bytes cut(wires[1198].begin(), wires[1198].end() - 1);
  EXPECT_FALSE(open(*in, cut, false));
  EXPECT_TRUE(open(*in, wires[1198], false));  // the real one still opens after all that
  // RTCP replays and tampering.
  Bytes r = protect_both(*out, ref_out, rtcp(0x42, 1), true);
  EXPECT_TRUE(open(*in, r, true));
  EXPECT_FALSE(open(*in, r, true));
  Bytes r2 = protect_both(*out, ref_out, rtcp(0x42, 2), true);
  r2[10] ^= 0x80;
  EXPECT_FALSE(open(*in, r2, true));
}

TEST_P(SrtpReference, AnotherKeyTheWrongDirectionAndJunkAreRefused) {
  auto other = SrtpSession::create(profile, SrtpSession::Direction::inbound, master_key(profile, 99)).value();
  Bytes wire = protect_both(*out, ref_out, rtp(7, 9, 100), false);
  EXPECT_FALSE(open(*other, wire, false));
  EXPECT_TRUE(open(*in, wire, false));
  Bytes plain = rtp(8, 9, 100);
  plain.resize(plain.size() + SrtpSession::kMaxTrailer);
  size_t len = 112;
  EXPECT_FALSE(in->protect_rtp(plain.data(), len));   // an inbound session only opens
  EXPECT_FALSE(out->unprotect_rtp(wire.data(), len));  // and an outbound one only seals
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(size_t(rng() % 80));
    for (auto& b : junk) b = uint8_t(rng());
    if (!junk.empty()) junk[0] = uint8_t(0x80 | (junk[0] & 0x3f));
    EXPECT_FALSE(open(*in, junk, false));
    EXPECT_FALSE(open(*in, junk, true));
  }
}

TEST_P(SrtpReference, OneSessionKeepsAtMostSixtyFourSsrcs) {
  for (uint32_t ssrc = 1; ssrc <= SrtpSession::kMaxSsrcs; ++ssrc)
    ASSERT_TRUE(open(*in, protect_both(*out, ref_out, rtp(1, ssrc, 10), false), false));
  // The 65th: sealed by libsrtp2 (which has no limit), refused here in either direction.
  Bytes more = rtp(1, 1000, 10);
  more.resize(more.size() + SrtpSession::kMaxTrailer);
  size_t more_len = 22;
  ASSERT_TRUE(ref_out.protect_rtp(more.data(), more_len));
  more.resize(more_len);
  EXPECT_FALSE(open(*in, more, false));
  Bytes plain = rtp(2, 1001, 10);
  plain.resize(plain.size() + SrtpSession::kMaxTrailer);
  size_t len = 22;
  EXPECT_FALSE(out->protect_rtp(plain.data(), len));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpReference,
                         ::testing::Values(SrtpProfile::aes128_cm_sha1_80, SrtpProfile::aead_aes_128_gcm));

}  // namespace
}  // namespace onair::webrtc
