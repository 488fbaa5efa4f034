#include "media/bridge/aac_config.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace onair::bridge {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string str(std::initializer_list<uint8_t> b) {
  return std::string(b.begin(), b.end());
}

TEST(AacConfig, ParsesLc44100Stereo) {
  auto c = parse_audio_specific_config(bytes(str({0x12, 0x10})));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, (AacConfig{2, 44100, 2}));
}

TEST(AacConfig, ParsesLc48000Stereo) {
  auto c = parse_audio_specific_config(bytes(str({0x11, 0x90})));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, (AacConfig{2, 48000, 2}));
}

TEST(AacConfig, BuildsTheKnownLcVectors) {
  EXPECT_EQ(build_audio_specific_config({2, 44100, 2}), str({0x12, 0x10}));
  EXPECT_EQ(build_audio_specific_config({2, 48000, 2}), str({0x11, 0x90}));
  EXPECT_EQ(build_audio_specific_config({2, 48000, 1}), str({0x11, 0x88}));
}

TEST(AacConfig, ToleratesTrailingGaSpecificConfigAndExtensionBits) {
  // HE-AAC with explicit SBR signalling: AOT 5, 24 kHz core, stereo, then the extension
  // rate (48 kHz) and the core object type (LC) that the parser leaves to the decoder.
  auto c = parse_audio_specific_config(bytes(str({0x2B, 0x11, 0x88, 0x00})));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, (AacConfig{5, 24000, 2}));
  // An LC config with a few bytes of extension data after it.
  c = parse_audio_specific_config(bytes(str({0x12, 0x10, 0x56, 0xE5, 0x00})));
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (AacConfig{2, 44100, 2}));
}

TEST(AacConfig, ParsesAndBuildsTheEscapedObjectType) {
  // AOT 42 (USAC): 11111 then 001010, index 3 (48 kHz), stereo.
  // 11111001 01000110 010(00000)
  auto c = parse_audio_specific_config(bytes(str({0xF9, 0x46, 0x40})));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, (AacConfig{42, 48000, 2}));
  EXPECT_EQ(build_audio_specific_config(*c), str({0xF9, 0x46, 0x40}));
  // AOT 31 itself is the escape: 32 + 0 = 32.
  c = parse_audio_specific_config(bytes(str({0xF8, 0x0C, 0x80})));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->object_type, 32);
}

TEST(AacConfig, ParsesAndBuildsAnExplicitSampleRate) {
  // 37800 Hz has no index: AOT 2, index 0xF, the 24-bit rate 0x0093A8, stereo, GA bits.
  // 00010 1111 000000001001001110101000 0010 000
  AacConfig want{2, 37800, 2};
  std::string asc = build_audio_specific_config(want);
  EXPECT_EQ(asc, str({0x17, 0x80, 0x49, 0xD4, 0x10}));
  auto c = parse_audio_specific_config(bytes(asc));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, want);
  // An explicit rate that happens to be in the table parses to the same rate.
  c = parse_audio_specific_config(bytes(str({0x17, 0x80, 0x56, 0x22, 0x11, 0x00})));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sample_rate, 44100);
}

TEST(AacConfig, RefusesTruncatedInput) {
  EXPECT_FALSE(parse_audio_specific_config({}));
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x12}))));                    // index cut
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0xF8}))));                    // escape cut
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x17, 0x80, 0x56, 0x22}))));  // rate cut
  auto e = parse_audio_specific_config(bytes(str({0xF9, 0x46})));  // AOT 42: channels cut
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::invalid_argument);
  EXPECT_NE(e.error().message().find("channelConfiguration"), std::string::npos);
}

TEST(AacConfig, RefusesReservedValues) {
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x00, 0x10}))));  // AOT 0
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x16, 0x90}))));  // index 0xD
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x17, 0x00, 0x00, 0x00, 0x01}))));  // rate 0
  EXPECT_FALSE(parse_audio_specific_config(bytes(str({0x12, 0x40}))));  // channels 8
}

TEST(AacConfig, ChannelConfigurationSevenIsEightChannels) {
  auto c = parse_audio_specific_config(bytes(str({0x12, 0x38})));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->channels, 8);
  EXPECT_EQ(build_audio_specific_config(*c), str({0x12, 0x38}));
}

TEST(AacConfig, WhatParsesRebuildsToTheSameConfig) {
  std::mt19937 rng(11);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> in(1 + rng() % 6);
    for (auto& b : in) b = uint8_t(rng());
    auto c = parse_audio_specific_config(in);
    if (!c) continue;
    ++parsed;
    std::string asc = build_audio_specific_config(*c);
    auto again = parse_audio_specific_config(bytes(asc));
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, *c);
  }
  EXPECT_GT(parsed, 1000);
}

TEST(AacConfig, FlvTagBodies) {
  EXPECT_EQ(flv_aac_sequence_header(str({0x11, 0x90})), str({0xAF, 0x00, 0x11, 0x90}));
  std::string raw = str({0x21, 0x10, 0x04});
  EXPECT_EQ(flv_aac_frame(bytes(raw)), str({0xAF, 0x01, 0x21, 0x10, 0x04}));
  EXPECT_EQ(flv_aac_frame({}), str({0xAF, 0x01}));
}

}  // namespace
}  // namespace onair::bridge
