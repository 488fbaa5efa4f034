#include "media/bridge/aac_to_opus.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "codec/test_signal.hpp"
#include "media/bridge/aac_config.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/opus_codec.hpp"

namespace onair::bridge {
namespace {

constexpr int kRate = 48000;
constexpr int kFrame = 960;

struct AacStream {
  std::string asc;
  std::vector<std::vector<uint8_t>> packets;  // one per 1024 samples, priming first
  int rate = 0;
  // The RTMP pts of packet k, as a publisher writes it: its time in whole milliseconds.
  int64_t pts_ms(size_t k, int64_t start_ms = 0) const {
    return start_ms + int64_t(std::llround(double(k) * 1024 * 1000 / rate));
  }
};

// `seconds` of a 1 kHz sine at half scale (plus `noise`), AAC-LC from FFmpeg's encoder.
AacStream aac_sine(int rate, int channels, double seconds, double noise = 0) {
  auto enc = codec::AudioEncoder::create(
      {.sample_rate = rate, .channels = channels, .bit_rate = 64000 * channels});
  EXPECT_TRUE(enc) << enc.error().message();
  AacStream s;
  s.rate = rate;
  s.asc.assign(reinterpret_cast<const char*>(enc->extradata().data()), enc->extradata().size());
  auto collect = [&] {
    while (auto p = enc->receive()) {
      if (!p || !*p) break;
      s.packets.emplace_back((*p)->data, (*p)->data + (*p)->size);
    }
  };
  const int frames = int(seconds * rate / 1024);
  for (int k = 0; k < frames; ++k) {
    auto f = enc->frame();
    EXPECT_TRUE(f);
    auto pcm = test_signal::sine(rate, channels, 1024, 1000, 0.5, int64_t(k) * 1024);
    if (noise > 0) test_signal::add_noise(pcm, noise, uint32_t(k));
    for (int c = 0; c < channels; ++c) {
      auto* plane = reinterpret_cast<float*>((*f)->extended_data[c]);
      for (int i = 0; i < 1024; ++i) plane[i] = pcm[size_t(i) * channels + c];
    }
    (*f)->pts = int64_t(k) * 1024;
    EXPECT_TRUE(enc->send(*f));
    collect();
  }
  EXPECT_TRUE(enc->send_end());
  collect();
  return s;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void expect_exact_timestamps(const std::vector<OpusFrame>& frames, uint32_t base) {
  ASSERT_FALSE(frames.empty());
  for (size_t k = 0; k < frames.size(); ++k) {
    ASSERT_EQ(frames[k].rtp_timestamp, uint32_t(base + k * kFrame)) << "frame " << k;
  }
}

// The Opus packets decoded in order (they are contiguous): interleaved stereo.
std::vector<float> decode(const std::vector<OpusFrame>& frames) {
  auto dec = codec::OpusDecoder::create(kRate, 2);
  EXPECT_TRUE(dec);
  std::vector<float> out, pcm(codec::kOpusMaxPacketSamples * 2);
  for (const auto& f : frames) {
    auto n = dec->decode(bytes(f.data), pcm);
    EXPECT_TRUE(n) << n.error().message();
    if (!n) continue;
    EXPECT_EQ(*n, kFrame);
    out.insert(out.end(), pcm.begin(), pcm.begin() + *n * 2);
  }
  return out;
}

TEST(AacToOpus, TranscodesAacAt44100And48000WithExactTimestamps) {
  for (int rate : {44100, 48000}) {
    SCOPED_TRACE(rate);
    auto aac = aac_sine(rate, 2, 2.0);
    auto bridge = AacToOpus::create(bytes(aac.asc), 96);
    ASSERT_TRUE(bridge) << bridge.error().message();
    EXPECT_EQ(bridge->config(), (AacConfig{2, rate, 2}));
    std::vector<OpusFrame> frames;
    const int64_t start_ms = 1000;
    for (size_t k = 0; k < aac.packets.size(); ++k) {
      bridge->push(aac.packets[k], aac.pts_ms(k, start_ms), frames);
    }
    bridge->flush(frames);
    // The Opus clock is the RTMP clock in 48 kHz units, counted from the first packet.
    expect_exact_timestamps(frames, uint32_t(start_ms * 48));

    // As many samples out as went in (at 48 kHz), to within one Opus frame.
    const double in48 = double(aac.packets.size()) * 1024 * kRate / rate;
    EXPECT_NEAR(double(frames.size()) * kFrame, in48, kFrame);

    auto pcm = decode(frames);
    for (int c = 0; c < 2; ++c) {
      auto ch = test_signal::channel(pcm, 2, c);
      std::span<const float> steady(ch.data() + kRate / 5, size_t(kRate));
      EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, kRate), 0.5, 0.05);
      EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, kRate), 1000, 10);
    }
    const auto& c = bridge->counters();
    EXPECT_EQ(c.packets, aac.packets.size());
    EXPECT_EQ(c.frames_out, frames.size());
    EXPECT_EQ(c.decode_errors + c.filled_samples + c.resets + c.encode_errors, 0u);
  }
}

TEST(AacToOpus, TranscodesEveryRateFrom8To96kHz) {
  for (int rate : {8000, 16000, 22050, 32000, 88200, 96000}) {
    SCOPED_TRACE(rate);
    auto aac = aac_sine(rate, 2, 1.0);
    auto bridge = AacToOpus::create(bytes(aac.asc), 64);
    ASSERT_TRUE(bridge) << bridge.error().message();
    std::vector<OpusFrame> frames;
    for (size_t k = 0; k < aac.packets.size(); ++k) {
      bridge->push(aac.packets[k], aac.pts_ms(k), frames);
    }
    bridge->flush(frames);
    expect_exact_timestamps(frames, 0);
    const double in48 = double(aac.packets.size()) * 1024 * kRate / rate;
    EXPECT_NEAR(double(frames.size()) * kFrame, in48, kFrame);
    EXPECT_EQ(bridge->counters().filled_samples + bridge->counters().decode_errors, 0u);
    auto left = test_signal::channel(decode(frames), 2, 0);
    std::span<const float> steady(left.data() + left.size() / 4, left.size() / 2);
    EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, kRate), 1000, 15);
    EXPECT_GT(test_signal::tone_amplitude(steady, 1000, kRate), 0.4);
  }
}

TEST(AacToOpus, MonoAacComesOutOnBothChannelsAtItsLevel) {
  auto aac = aac_sine(44100, 1, 1.0);
  auto bridge = AacToOpus::create(bytes(aac.asc), 64);
  ASSERT_TRUE(bridge) << bridge.error().message();
  std::vector<OpusFrame> frames;
  for (size_t k = 0; k < aac.packets.size(); ++k) {
    bridge->push(aac.packets[k], aac.pts_ms(k), frames);
  }
  bridge->flush(frames);
  auto pcm = decode(frames);
  auto left = test_signal::channel(pcm, 2, 0), right = test_signal::channel(pcm, 2, 1);
  std::span<const float> l(left.data() + kRate / 5, size_t(kRate / 2));
  std::span<const float> r(right.data() + kRate / 5, size_t(kRate / 2));
  EXPECT_NEAR(test_signal::tone_amplitude(l, 1000, kRate), 0.5, 0.05);
  EXPECT_NEAR(test_signal::tone_amplitude(r, 1000, kRate), 0.5, 0.05);
}

TEST(AacToOpus, ADroppedFrameIsFilledWithSilenceAndTimestampsStayExact) {
  for (int rate : {44100, 48000}) {
    SCOPED_TRACE(rate);
    auto aac = aac_sine(rate, 2, 2.0);
    auto bridge = AacToOpus::create(bytes(aac.asc), 96);
    ASSERT_TRUE(bridge);
    std::vector<OpusFrame> frames;
    for (size_t k = 0; k < aac.packets.size(); ++k) {
      if (k == 40) continue;  // the publisher dropped it
      bridge->push(aac.packets[k], aac.pts_ms(k), frames);
    }
    bridge->flush(frames);
    const double frame48 = 1024.0 * kRate / rate;
    EXPECT_NEAR(double(bridge->counters().filled_samples), frame48, 48);  // ms rounding
    expect_exact_timestamps(frames, 0);
    // The output still spans the whole input: the hole is in time, not squeezed out.
    const double in48 = double(aac.packets.size()) * frame48;
    EXPECT_NEAR(double(frames.size()) * kFrame, in48, kFrame);
  }
}

TEST(AacToOpus, GarbageIsCountedAndSkippedAndNeverCrashes) {
  auto aac = aac_sine(48000, 2, 1.0);
  auto bridge = AacToOpus::create(bytes(aac.asc), 96);
  ASSERT_TRUE(bridge);
  std::vector<OpusFrame> frames;
  std::mt19937 rng(99);
  for (size_t k = 0; k < aac.packets.size(); ++k) {
    if (k % 5 == 3) {
      std::vector<uint8_t> junk(1 + rng() % 400);
      for (auto& b : junk) b = uint8_t(rng());
      bridge->push(junk, aac.pts_ms(k), frames);
    } else {
      bridge->push(aac.packets[k], aac.pts_ms(k), frames);
    }
  }
  bridge->push({}, aac.pts_ms(aac.packets.size()), frames);
  bridge->flush(frames);
  EXPECT_GE(bridge->counters().decode_errors, 1u);
  EXPECT_EQ(bridge->counters().resets, 0u);
  expect_exact_timestamps(frames, 0);
  EXPECT_NEAR(double(frames.size()) * kFrame, double(aac.packets.size()) * 1024, 2 * kFrame);
}

TEST(AacToOpus, PtsJitterIsAbsorbedWithoutGaps) {
  auto aac = aac_sine(44100, 2, 2.0);
  auto bridge = AacToOpus::create(bytes(aac.asc), 96);
  ASSERT_TRUE(bridge);
  std::vector<OpusFrame> frames;
  std::mt19937 rng(5);
  int64_t last = 0, first = -1;
  for (size_t k = 0; k < aac.packets.size(); ++k) {
    int64_t pts = std::max(last, aac.pts_ms(k) + int64_t(rng() % 9) - 4);  // +-4 ms, monotonic
    bridge->push(aac.packets[k], pts, frames);
    if (first < 0) first = pts;
    last = pts;
  }
  bridge->flush(frames);
  EXPECT_EQ(bridge->counters().filled_samples, 0u);
  EXPECT_EQ(bridge->counters().resets, 0u);
  expect_exact_timestamps(frames, uint32_t(first * 48));
}

TEST(AacToOpus, JumpsAndBackwardsPtsStartANewTimeline) {
  auto aac = aac_sine(48000, 2, 3.0);
  auto bridge = AacToOpus::create(bytes(aac.asc), 96);
  ASSERT_TRUE(bridge);
  std::vector<OpusFrame> a, b, c;
  size_t k = 0;
  for (; k < 40; ++k) bridge->push(aac.packets[k], aac.pts_ms(k), a);
  // Five seconds ahead (a publisher that paused): beyond filling, a new timeline.
  const int64_t jump_ms = aac.pts_ms(k) + 5000;
  for (size_t i = 0; k < 80; ++k, ++i) bridge->push(aac.packets[k], jump_ms + aac.pts_ms(i), b);
  EXPECT_EQ(bridge->counters().resets, 1u);
  // The first timeline's tail came out as the second began, still on its grid.
  size_t tail = 0;
  while (tail < b.size() && b[tail].rtp_timestamp < uint32_t(jump_ms * 48)) ++tail;
  a.insert(a.end(), b.begin(), b.begin() + long(tail));
  b.erase(b.begin(), b.begin() + long(tail));
  expect_exact_timestamps(a, 0);
  EXPECT_NEAR(double(a.size()) * kFrame, 40 * 1024, kFrame);
  expect_exact_timestamps(b, uint32_t(jump_ms * 48));

  // 100 ms back: RTMP never reorders, so this is a new stream too.
  const int64_t back_ms = jump_ms + aac.pts_ms(39) - 100;
  for (size_t i = 0; k < 120; ++k, ++i) bridge->push(aac.packets[k], back_ms + aac.pts_ms(i), c);
  bridge->flush(c);
  EXPECT_EQ(bridge->counters().resets, 2u);
  while (!c.empty() && c.front().rtp_timestamp != uint32_t(back_ms * 48)) c.erase(c.begin());
  expect_exact_timestamps(c, uint32_t(back_ms * 48));
  EXPECT_EQ(bridge->counters().filled_samples, 0u);
}

TEST(AacToOpus, TimestampsWrapLikeRtp) {
  auto aac = aac_sine(48000, 2, 1.0);
  auto bridge = AacToOpus::create(bytes(aac.asc), 96);
  ASSERT_TRUE(bridge);
  std::vector<OpusFrame> frames;
  const int64_t start_ms = (int64_t(1) << 32) / 48 - 200;  // wraps 200 ms in
  for (size_t k = 0; k < aac.packets.size(); ++k) {
    bridge->push(aac.packets[k], aac.pts_ms(k, start_ms), frames);
  }
  bridge->flush(frames);
  EXPECT_EQ(bridge->counters().resets, 0u);
  expect_exact_timestamps(frames, uint32_t(start_ms * 48));
  EXPECT_LT(frames.back().rtp_timestamp, frames.front().rtp_timestamp);  // it wrapped
}

TEST(AacToOpus, RefusesWhatItCannotBridge) {
  auto bad = AacToOpus::create({}, 96);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(AacToOpus::create(bytes(build_audio_specific_config({2, 48000, 6})), 96));
  EXPECT_FALSE(AacToOpus::create(bytes(build_audio_specific_config({2, 7350, 2})), 96));
  EXPECT_FALSE(AacToOpus::create(bytes(build_audio_specific_config({2, 48000, 2})), 0));
  EXPECT_TRUE(AacToOpus::create(bytes(build_audio_specific_config({2, 8000, 1})), 16));
}

// Three minutes of 44.1 kHz AAC (packets of a noisy sine repeated, pts as a publisher
// writes them): the timestamps stay exactly on the 960 grid, the output's length is the
// input's (resampled) to the frame, and the cost per 20 ms of output is printed.
TEST(AacToOpus, MinutesOfPacketsStayOnTheGrid) {
  auto aac = aac_sine(44100, 2, 5.0, 0.01);
  auto bridge = AacToOpus::create(bytes(aac.asc), 96);
  ASSERT_TRUE(bridge);
  std::vector<OpusFrame> frames;
  frames.reserve(8);
  const size_t count = 180 * 44100 / 1024;
  uint32_t expected = 0;
  uint64_t out = 0;
  auto check = [&] {
    for (const auto& f : frames) {
      ASSERT_EQ(f.rtp_timestamp, expected);
      expected += kFrame;
      ++out;
    }
  };
  auto started = std::chrono::steady_clock::now();
  for (size_t k = 0; k < count; ++k) {
    frames.clear();
    bridge->push(aac.packets[1 + k % (aac.packets.size() - 1)], aac.pts_ms(k), frames);
    check();
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  frames.clear();
  bridge->flush(frames);
  check();
  const double in48 = double(count) * 1024 * kRate / 44100;
  EXPECT_NEAR(double(out) * kFrame, in48, kFrame);
  EXPECT_EQ(bridge->counters().filled_samples + bridge->counters().resets, 0u);
  double us = std::chrono::duration<double, std::micro>(elapsed).count() / (in48 / kFrame);
  std::printf("aac_to_opus: %.1f us per 20 ms of output (%.2f%% of a core)\n", us, us / 200.0);
}

}  // namespace
}  // namespace onair::bridge
