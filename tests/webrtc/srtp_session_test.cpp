#include "media/webrtc/srtp_session.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace onair::webrtc
