// AudioEncoder and Decoder together: FFmpeg's AAC encoder and decoder round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "codec/test_signal.hpp"
#include "media/codec/decoder.hpp"
#include "media/codec/audio_encoder.hpp"

namespace onair::codec {
namespace {

struct Packet {
  int64_t pts;
  std::vector<uint8_t> data;
};

// Encodes `seconds` of a 1 kHz sine at half scale (planar float, as FFmpeg's AAC takes).
std::vector<Packet> encode_sine(AudioEncoder& enc, int rate, int channels, double seconds) {
  std::vector<Packet> out;
  auto collect = [&] {
    for (;;) {
      auto p = enc.receive();
      EXPECT_TRUE(p) << p.error().message();
      if (!p || !*p) return;
      out.push_back({(*p)->pts, std::vector<uint8_t>((*p)->data, (*p)->data + (*p)->size)});
    }
  };
  const int frame = enc.frame_size();
  const int frames = int(seconds * rate / frame);
  for (int k = 0; k < frames; ++k) {
    auto f = enc.frame();
    EXPECT_TRUE(f) << f.error().message();
    if (!f) return out;
    auto pcm = test_signal::sine(rate, channels, frame, 1000, 0.5, int64_t(k) * frame);
    for (int c = 0; c < channels; ++c) {
      auto* plane = reinterpret_cast<float*>((*f)->extended_data[c]);
      for (int i = 0; i < frame; ++i) plane[i] = pcm[size_t(i) * channels + c];
    }
    (*f)->pts = int64_t(k) * frame;
    EXPECT_TRUE(enc.send(*f));
    collect();
  }
  EXPECT_TRUE(enc.send_end());
  collect();
  return out;
}

TEST(AudioCodec, AacEncoderGivesAnLcConfigAndItsPriming) {
  auto enc = AudioEncoder::create({.sample_rate = 48000, .channels = 2, .bit_rate = 128000});
  ASSERT_TRUE(enc) << enc.error().message();
  EXPECT_EQ(enc->frame_size(), 1024);
  EXPECT_EQ(enc->priming_samples(), 1024);
  // AAC-LC, 48 kHz, stereo; FFmpeg appends the backward-compatible "no SBR" extension
  // (sync 0x2B7), which decoders skip.
  auto asc = enc->extradata();
  ASSERT_GE(asc.size(), 2u);
  EXPECT_EQ(asc[0], 0x11);
  EXPECT_EQ(asc[1], 0x90);
}

TEST(AudioCodec, AacRoundTripsASineWithExactPts) {
  for (int rate : {44100, 48000}) {
    SCOPED_TRACE(rate);
    auto enc = AudioEncoder::create({.sample_rate = rate, .channels = 2, .bit_rate = 128000});
    ASSERT_TRUE(enc) << enc.error().message();
    auto packets = encode_sine(*enc, rate, 2, 1.0);
    const int frames = rate / 1024;
    // One packet per frame plus the priming one; pts start before zero by the priming.
    ASSERT_EQ(int(packets.size()), frames + 1);
    for (size_t k = 0; k < packets.size(); ++k) {
      EXPECT_EQ(packets[k].pts, int64_t(k) * 1024 - 1024) << k;
    }

    auto dec = Decoder::create({.codec = AV_CODEC_ID_AAC, .extradata = enc->extradata()});
    ASSERT_TRUE(dec) << dec.error().message();
    std::vector<float> left;
    for (const auto& p : packets) {
      ASSERT_TRUE(dec->send(p.data, p.pts));
      while (auto f = dec->receive()) {
        ASSERT_TRUE(f);
        if (!*f) break;
        EXPECT_EQ((*f)->format, AV_SAMPLE_FMT_FLTP);
        EXPECT_EQ((*f)->sample_rate, rate);
        EXPECT_EQ((*f)->ch_layout.nb_channels, 2);
        EXPECT_EQ((*f)->pts, p.pts);
        auto* plane = reinterpret_cast<const float*>((*f)->extended_data[0]);
        left.insert(left.end(), plane, plane + (*f)->nb_samples);
      }
    }
    EXPECT_EQ(left.size(), packets.size() * 1024);
    // The first packet decodes to the priming; the sine follows it, sample-aligned.
    std::span<const float> priming(left.data(), 1024);
    EXPECT_LT(test_signal::rms(priming), 0.01);
    std::span<const float> steady(left.data() + 2048, left.size() - 4096);
    EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, rate), 0.5, 0.05);
    EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, rate), 1000, 10);
  }
}

TEST(AudioCodec, DecoderRefusesGarbageAndKeepsDecoding) {
  auto enc = AudioEncoder::create({.sample_rate = 48000, .channels = 2, .bit_rate = 96000});
  ASSERT_TRUE(enc);
  auto packets = encode_sine(*enc, 48000, 2, 0.2);
  auto dec = Decoder::create({.extradata = enc->extradata()});
  ASSERT_TRUE(dec);
  const std::vector<uint8_t> garbage(200, 0xE7);
  auto sent = dec->send(garbage);
  if (sent) {
    auto f = dec->receive();  // FFmpeg may report the bad data here instead
    EXPECT_TRUE(!f || !*f || (*f)->nb_samples > 0);
  } else {
    EXPECT_EQ(sent.error().code(), ErrorCode::invalid_argument);
  }
  EXPECT_FALSE(dec->send({}));
  dec->reset();
  int decoded = 0;
  for (const auto& p : packets) {
    ASSERT_TRUE(dec->send(p.data));
    while (auto f = dec->receive()) {
      if (!f || !*f) break;
      ++decoded;
    }
  }
  EXPECT_EQ(decoded, int(packets.size()));
}

TEST(AudioCodec, RefusesUnknownCodecsAndBadSettings) {
  auto e = AudioEncoder::create({.codec = "no-such-encoder"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(AudioEncoder::create({.channels = 0}));
  EXPECT_FALSE(AudioEncoder::create({.sample_format = AV_SAMPLE_FMT_S16}));  // AAC takes FLTP
  EXPECT_FALSE(Decoder::create({.codec = AV_CODEC_ID_NONE}));
  auto bad_option = AudioEncoder::create({.options = {{"no_such_option", "1"}}});
  ASSERT_FALSE(bad_option);
  EXPECT_NE(bad_option.error().message().find("no_such_option"), std::string::npos);
  EXPECT_TRUE(AudioEncoder::create({.options = {{"aac_coder", "fast"}}}));
}

}  // namespace
}  // namespace onair::codec
