#include "media/bridge/opus_to_aac.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <vector>

#include "codec/test_signal.hpp"
#include "media/bridge/aac_config.hpp"
#include "media/codec/decoder.hpp"
#include "media/codec/opus_codec.hpp"

namespace onair::bridge {
namespace {

constexpr int kRate = 48000;
constexpr int kFrame = 960;  // 20 ms Opus packets
constexpr int kAacFrame = 1024;

using Packet = std::vector<uint8_t>;

// `count` 20 ms Opus packets of a 1 kHz sine at half scale, silent before `onset`, with
// `noise` (peak) added.
std::vector<Packet> opus_sine(int count, int channels = 2, int64_t onset = 0, double noise = 0) {
  auto enc = codec::OpusEncoder::create({.channels = channels, .bitrate_bps = 96000});
  EXPECT_TRUE(enc);
  std::vector<Packet> packets;
  for (int k = 0; k < count; ++k) {
    auto pcm = test_signal::sine(kRate, channels, kFrame, 1000, 0.5, int64_t(k) * kFrame);
    for (int i = 0; i < kFrame; ++i) {
      if (int64_t(k) * kFrame + i < onset) {
        for (int c = 0; c < channels; ++c) pcm[size_t(i) * channels + c] = 0;
      }
    }
    if (noise > 0) test_signal::add_noise(pcm, noise, uint32_t(k));
    auto p = enc->encode(pcm, kFrame);
    EXPECT_TRUE(p);
    packets.emplace_back(p->begin(), p->end());
  }
  return packets;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The AAC frames decoded and laid out by their pts: sample i of the result is at pts
// i - kAacFrame (room for the first frame's priming). Channel 0 only.
std::vector<float> decode_by_pts(const std::string& asc, const std::vector<AacFrame>& frames) {
  auto dec = codec::Decoder::create({.codec = AV_CODEC_ID_AAC, .extradata = bytes(asc)});
  EXPECT_TRUE(dec) << dec.error().message();
  std::vector<float> out;
  for (const auto& f : frames) {
    EXPECT_TRUE(dec->send(bytes(f.data)));
    for (;;) {
      auto frame = dec->receive();
      EXPECT_TRUE(frame);
      if (!frame || !*frame) break;
      size_t at = size_t(f.pts + kAacFrame);
      size_t n = size_t((*frame)->nb_samples);
      if (out.size() < at + n) out.resize(at + n);
      auto* plane = reinterpret_cast<const float*>((*frame)->extended_data[0]);
      std::copy(plane, plane + n, out.begin() + long(at));
    }
  }
  return out;
}

void expect_exact_pts(const std::vector<AacFrame>& frames, int64_t first) {
  ASSERT_FALSE(frames.empty());
  for (size_t k = 0; k < frames.size(); ++k) {
    ASSERT_EQ(frames[k].pts, first + int64_t(k) * kAacFrame) << "frame " << k;
  }
}

TEST(OpusToAac, TranscodesASineWithExactPtsAndDuration) {
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge) << bridge.error().message();
  auto asc = parse_audio_specific_config(bytes(bridge->audio_specific_config()));
  ASSERT_TRUE(asc);
  EXPECT_EQ(*asc, (AacConfig{2, 48000, 2}));

  const int count = 100;  // 2 s
  auto packets = opus_sine(count);
  std::vector<AacFrame> frames;
  uint32_t ts = 123456;
  for (const auto& p : packets) {
    bridge->push(p, ts, frames);
    ts += kFrame;
  }
  bridge->flush(frames);

  // The first frame is the encoder's priming, one frame before the first sample.
  expect_exact_pts(frames, -kAacFrame);
  const int64_t input = int64_t(count) * kFrame;
  auto pcm = decode_by_pts(bridge->audio_specific_config(), frames);
  const int64_t from_zero = int64_t(pcm.size()) - kAacFrame;
  EXPECT_GE(from_zero, input);
  EXPECT_LT(from_zero, input + kAacFrame);  // within one AAC frame of the input

  std::span<const float> steady(pcm.data() + kAacFrame + kRate / 10, size_t(kRate));
  EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, kRate), 0.5, 0.05);
  EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, kRate), 1000, 10);

  const auto& c = bridge->counters();
  EXPECT_EQ(c.packets, uint64_t(count));
  EXPECT_EQ(c.frames_out, frames.size());
  EXPECT_EQ(c.decode_errors + c.concealed_samples + c.resets + c.late_packets + c.encode_errors,
            0u);
}

TEST(OpusToAac, OutputIsSampleAlignedWithTheRtpTimeline) {
  // A tone that starts half a second in must come out at that pts, plus only the Opus
  // encoder's look-ahead: the AAC priming is in the pts, not in the audio's position.
  const int64_t onset = kRate / 2;
  auto packets = opus_sine(50, 2, onset);
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> frames;
  uint32_t ts = 0xABCDEF;
  for (const auto& p : packets) {
    bridge->push(p, ts, frames);
    ts += kFrame;
  }
  bridge->flush(frames);
  auto pcm = decode_by_pts(bridge->audio_specific_config(), frames);
  int64_t heard = -1;
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(pcm[i]) > 0.1f) {
      heard = int64_t(i) - kAacFrame;
      break;
    }
  }
  auto enc = codec::OpusEncoder::create({});
  ASSERT_TRUE(enc);
  EXPECT_NEAR(double(heard), double(onset + enc->lookahead()), 48);  // within 1 ms
}

TEST(OpusToAac, ConcealsDroppedPacketsAndKeepsPtsExact) {
  auto packets = opus_sine(100);
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> frames;
  for (int k = 0; k < 100; ++k) {
    if (k == 40 || k == 41 || k == 70) continue;  // lost on the way
    bridge->push(packets[size_t(k)], uint32_t(k * kFrame), frames);
  }
  bridge->flush(frames);
  EXPECT_EQ(bridge->counters().concealed_samples, uint64_t(3 * kFrame));
  EXPECT_EQ(bridge->counters().resets, 0u);
  expect_exact_pts(frames, -kAacFrame);
  auto pcm = decode_by_pts(bridge->audio_specific_config(), frames);
  EXPECT_GE(int64_t(pcm.size()) - kAacFrame, 100 * kFrame);
  EXPECT_LT(int64_t(pcm.size()) - kAacFrame, 100 * kFrame + kAacFrame);
  // The tone goes on across the concealment (PLC continues it; no hole of silence).
  std::span<const float> around(pcm.data() + kAacFrame + 38 * kFrame, 6 * kFrame);
  EXPECT_NEAR(test_signal::zero_crossing_frequency(around, kRate), 1000, 30);
  EXPECT_GT(test_signal::rms(around), 0.1);
}

TEST(OpusToAac, BadPacketsAreCountedConcealedAndNeverCrash) {
  auto packets = opus_sine(60);
  auto bridge = OpusToAac::create(2, 96);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> frames;
  // A header that announces no frames, and one whose padding runs past the end
  // (RFC 6716 3.2.5): the first is not even placed, the second is concealed in place.
  const Packet no_frames = {0x03, 0x00};
  const Packet bad_padding = {0xFB, 0x41, 0xFF, 0xFF};
  for (int k = 0; k < 60; ++k) {
    const Packet& p = k == 20 ? no_frames : k == 30 ? bad_padding : packets[size_t(k)];
    bridge->push(p, uint32_t(k * kFrame), frames);
  }
  bridge->push({}, 60 * kFrame, frames);  // empty payload
  EXPECT_EQ(bridge->counters().decode_errors, 3u);
  EXPECT_EQ(bridge->counters().concealed_samples, uint64_t(2 * kFrame));
  expect_exact_pts(frames, -kAacFrame);

  // Random bytes with the stream's timestamps: whatever libopus makes of them, the
  // bridge stays up and its pts stay on the grid.
  std::mt19937 rng(2024);
  for (int k = 61; k < 400; ++k) {
    Packet junk(1 + rng() % 300);
    for (auto& b : junk) b = uint8_t(rng());
    bridge->push(junk, uint32_t(k * kFrame), frames);
  }
  bridge->flush(frames);
  expect_exact_pts(frames, -kAacFrame);
  EXPECT_EQ(bridge->counters().packets, 400u);
}

TEST(OpusToAac, TimestampJumpsStartANewTimelineAndLatePacketsAreDropped) {
  auto packets = opus_sine(150);
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> first, second, third;
  const uint32_t base = 5000;
  for (int k = 0; k < 50; ++k) bridge->push(packets[size_t(k)], base + k * kFrame, first);
  // A reordered packet 100 ms late: its place is already filled.
  bridge->push(packets[45], base + 45 * kFrame, first);
  EXPECT_EQ(bridge->counters().late_packets, 1u);

  // Ten seconds ahead: beyond concealment, so a new timeline there.
  const uint32_t jump = base + 50 * kFrame + 10 * kRate;
  for (int k = 50; k < 100; ++k) {
    bridge->push(packets[size_t(k)], jump + (k - 50) * kFrame, second);
  }
  EXPECT_EQ(bridge->counters().resets, 1u);
  // Everything of the first timeline came out when the second began, on its grid.
  size_t first_count = 0;
  while (first_count < second.size() && second[first_count].pts < 50 * kFrame) ++first_count;
  std::vector<AacFrame> old(second.begin(), second.begin() + long(first_count));
  first.insert(first.end(), old.begin(), old.end());
  second.erase(second.begin(), second.begin() + long(first_count));
  expect_exact_pts(first, -kAacFrame);
  EXPECT_GE(int64_t(first.size() - 1) * kAacFrame, 50 * kFrame);
  const int64_t second_start = int64_t(jump - base);
  expect_exact_pts(second, second_start - kAacFrame);

  // Five seconds back: a new timeline again (pts go back with it).
  const uint32_t back = jump - 5 * kRate;
  for (int k = 100; k < 150; ++k) {
    bridge->push(packets[size_t(k)], back + (k - 100) * kFrame, third);
  }
  bridge->flush(third);
  EXPECT_EQ(bridge->counters().resets, 2u);
  while (!third.empty() && third.front().pts >= second_start) third.erase(third.begin());
  expect_exact_pts(third, int64_t(back - base) - kAacFrame);
}

TEST(OpusToAac, CountsAcrossTheRtpTimestampWrap) {
  auto packets = opus_sine(100);
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> frames;
  uint32_t ts = 0xFFFFFFFFu - 30 * kFrame;
  for (const auto& p : packets) {
    bridge->push(p, ts, frames);
    ts += kFrame;  // wraps after 30 packets
  }
  bridge->flush(frames);
  EXPECT_EQ(bridge->counters().resets, 0u);
  EXPECT_EQ(bridge->counters().concealed_samples, 0u);
  expect_exact_pts(frames, -kAacFrame);
  EXPECT_EQ(frames.size(), size_t((100 * kFrame + kAacFrame - 1) / kAacFrame + 1));
}

TEST(OpusToAac, MonoOutputFromStereoPackets) {
  auto bridge = OpusToAac::create(1, 64);
  ASSERT_TRUE(bridge);
  auto asc = parse_audio_specific_config(bytes(bridge->audio_specific_config()));
  ASSERT_TRUE(asc);
  EXPECT_EQ(*asc, (AacConfig{2, 48000, 1}));
  auto packets = opus_sine(50);
  std::vector<AacFrame> frames;
  for (int k = 0; k < 50; ++k) bridge->push(packets[size_t(k)], uint32_t(k * kFrame), frames);
  bridge->flush(frames);
  auto pcm = decode_by_pts(bridge->audio_specific_config(), frames);
  std::span<const float> steady(pcm.data() + kAacFrame + kRate / 10, size_t(kRate / 2));
  EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, kRate), 0.5, 0.05);
}

TEST(OpusToAac, RefusesBadSettings) {
  EXPECT_FALSE(OpusToAac::create(0, 128));
  EXPECT_FALSE(OpusToAac::create(3, 128));
  EXPECT_FALSE(OpusToAac::create(2, 0));
  EXPECT_FALSE(OpusToAac::create(2, 1000));
}

// Three minutes of a real stream (9000 packets, across the RTP wrap) through the real
// codecs: the pts stay exactly on the 1024 grid from the first packet and the frame count
// is the input's duration to the frame. (SampleTimeline's test drives a full hour of the
// placement arithmetic; the pts here are that count times 1024, nothing else.) The
// signal has a noise floor, as a microphone's does, so the cost printed is a real one.
TEST(OpusToAac, MinutesOfPacketsEndExactlyOnTheGrid) {
  auto packets = opus_sine(250, 2, 0, 0.01);  // 5 s, repeated
  auto bridge = OpusToAac::create(2, 128);
  ASSERT_TRUE(bridge);
  std::vector<AacFrame> frames;
  frames.reserve(16);
  const int count = 9000;
  uint32_t ts = 0xFFFFFFFFu - 7 * kRate;
  int64_t expected_pts = -kAacFrame;
  uint64_t out = 0;
  auto check = [&] {
    for (const auto& f : frames) {
      ASSERT_EQ(f.pts, expected_pts);
      expected_pts += kAacFrame;
      ++out;
    }
  };
  auto started = std::chrono::steady_clock::now();
  for (int k = 0; k < count; ++k) {
    frames.clear();
    bridge->push(packets[size_t(k) % packets.size()], ts, frames);
    ts += kFrame;
    check();
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  frames.clear();
  bridge->flush(frames);
  check();
  // 9000 * 960 samples = 8437.5 frames: 8438 with the padded last one, plus the priming.
  EXPECT_EQ(out, 8439u);
  EXPECT_EQ(expected_pts, 8438 * kAacFrame);
  EXPECT_EQ(bridge->counters().concealed_samples + bridge->counters().resets, 0u);
  double us = std::chrono::duration<double, std::micro>(elapsed).count() / count;
  std::printf("opus_to_aac: %.1f us per 20 ms packet (%.2f%% of a core)\n", us, us / 200.0);
}

}  // namespace
}  // namespace onair::bridge
