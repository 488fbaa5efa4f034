#include "media/codec/opus_codec.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "codec/test_signal.hpp"

namespace onair::codec {
namespace {

constexpr int kRate = 48000;
constexpr int kFrame = 960;  // 20 ms

// Encodes `frames` 20 ms frames of a 1 kHz sine at half scale.
std::vector<std::vector<uint8_t>> encode_sine(OpusEncoder& enc, int channels, int frames) {
  std::vector<std::vector<uint8_t>> packets;
  for (int k = 0; k < frames; ++k) {
    auto pcm = test_signal::sine(kRate, channels, kFrame, 1000, 0.5, int64_t(k) * kFrame);
    auto packet = enc.encode(pcm, kFrame);
    EXPECT_TRUE(packet) << packet.error().message();
    if (!packet) break;
    packets.emplace_back(packet->begin(), packet->end());
  }
  return packets;
}

TEST(OpusCodec, EncodesAndDecodesASine) {
  auto enc = OpusEncoder::create({.sample_rate = kRate, .channels = 2, .bitrate_bps = 64000});
  ASSERT_TRUE(enc) << enc.error().message();
  auto dec = OpusDecoder::create(kRate, 2);
  ASSERT_TRUE(dec) << dec.error().message();
  auto packets = encode_sine(*enc, 2, 50);
  ASSERT_EQ(packets.size(), 50u);

  std::vector<float> out, pcm(kOpusMaxPacketSamples * 2);
  for (const auto& p : packets) {
    auto samples = dec->packet_samples(p);
    ASSERT_TRUE(samples);
    EXPECT_EQ(*samples, kFrame);
    auto n = dec->decode(p, pcm);
    ASSERT_TRUE(n) << n.error().message();
    ASSERT_EQ(*n, kFrame);
    out.insert(out.end(), pcm.begin(), pcm.begin() + *n * 2);
  }
  // Past the look-ahead and the codec's settling, the decoded signal is the sine.
  auto left = test_signal::channel(out, 2, 0);
  std::span<const float> steady(left.data() + kRate / 10, left.size() - kRate / 10);
  EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, kRate), 0.5, 0.05);
  EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, kRate), 1000, 10);
  EXPECT_GT(enc->lookahead(), 0);
}

TEST(OpusCodec, ConcealsALostPacketInStepsOfTwoAndAHalfMs) {
  auto enc = OpusEncoder::create({.channels = 1});
  auto dec = OpusDecoder::create(kRate, 1);
  ASSERT_TRUE(enc && dec);
  auto packets = encode_sine(*enc, 1, 10);
  std::vector<float> pcm(kOpusMaxPacketSamples);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(dec->decode(packets[i], pcm));
  auto n = dec->conceal(kFrame, pcm);  // packet 5 lost
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, kFrame);
  // The concealment continues the tone rather than going silent at once.
  EXPECT_GT(test_signal::rms(std::span<const float>(pcm.data(), 240)), 0.05);
  auto odd = dec->conceal(100, pcm);  // not a multiple of 120 samples
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code(), ErrorCode::invalid_argument);
  EXPECT_TRUE(dec->decode(packets[6], pcm));
}

TEST(OpusCodec, RecoversFromInBandFec) {
  // At a speech bit rate the encoder uses SILK and so carries LBRR data.
  auto enc = OpusEncoder::create(
      {.channels = 1, .bitrate_bps = 16000, .inband_fec = true, .expected_loss_percent = 20});
  auto dec = OpusDecoder::create(kRate, 1);
  ASSERT_TRUE(enc && dec);
  auto packets = encode_sine(*enc, 1, 20);
  std::vector<float> pcm(kOpusMaxPacketSamples);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(dec->decode(packets[i], pcm));
  // Packet 10 lost: recover it from packet 11, then decode 11 itself.
  auto n = dec->decode_fec(packets[11], kFrame, pcm);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, kFrame);
  EXPECT_GT(test_signal::rms(std::span<const float>(pcm.data(), kFrame)), 0.05);
  auto next = dec->decode(packets[11], pcm);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, kFrame);
}

TEST(OpusCodec, RefusesAMalformedPacketAndKeepsDecoding) {
  auto enc = OpusEncoder::create({});
  auto dec = OpusDecoder::create();
  ASSERT_TRUE(enc && dec);
  std::vector<float> pcm(kOpusMaxPacketSamples * 2);
  // TOC code 3 (an arbitrary number of frames) announcing zero frames (RFC 6716 3.2.5).
  const std::vector<uint8_t> bad = {0x03, 0x00};
  auto n = dec->decode(bad, pcm);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(dec->packet_samples(bad));
  EXPECT_FALSE(dec->decode({}, pcm));
  EXPECT_FALSE(dec->packet_samples({}));
  auto packets = encode_sine(*enc, 2, 1);
  EXPECT_TRUE(dec->decode(packets[0], pcm));
  // A buffer too small for the packet is refused, not overrun.
  std::vector<float> tiny(100);
  EXPECT_FALSE(dec->decode(packets[0], tiny));
}

TEST(OpusCodec, RefusesBadSettings) {
  EXPECT_FALSE(OpusEncoder::create({.channels = 3}));
  EXPECT_FALSE(OpusEncoder::create({.sample_rate = 44100}));
  EXPECT_FALSE(OpusDecoder::create(kRate, 0));
  auto enc = OpusEncoder::create({});
  ASSERT_TRUE(enc);
  EXPECT_FALSE(enc->set_bitrate(-5));
  std::vector<float> pcm(100);
  EXPECT_FALSE(enc->encode(pcm, kFrame));  // fewer samples than the frame
}

}  // namespace
}  // namespace onair::codec
