#include "media/codec/resampler.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "codec/test_signal.hpp"

namespace onair::codec {
namespace {

// Converts `in` (interleaved float) in 1024-sample blocks, flushes, returns interleaved.
std::vector<float> run(Resampler& r, const std::vector<float>& in, int in_channels) {
  std::vector<float> out;
  const int out_channels = r.out().channels;
  std::vector<float> buf;
  const size_t in_samples = in.size() / size_t(in_channels);
  for (size_t pos = 0; pos < in_samples; pos += 1024) {
    int n = int(std::min<size_t>(1024, in_samples - pos));
    buf.resize(size_t(r.max_output(n)) * out_channels);
    const uint8_t* src[] = {reinterpret_cast<const uint8_t*>(in.data() + pos * in_channels)};
    uint8_t* dst[] = {reinterpret_cast<uint8_t*>(buf.data())};
    auto got = r.convert(src, n, dst, r.max_output(n));
    EXPECT_TRUE(got) << got.error().message();
    if (!got) return out;
    out.insert(out.end(), buf.begin(), buf.begin() + *got * out_channels);
  }
  buf.resize(size_t(r.delay() + 16) * out_channels);
  uint8_t* dst[] = {reinterpret_cast<uint8_t*>(buf.data())};
  auto tail = r.flush(dst, int(r.delay() + 16));
  EXPECT_TRUE(tail);
  if (tail) out.insert(out.end(), buf.begin(), buf.begin() + *tail * out_channels);
  return out;
}

TEST(Resampler, Converts44100To48000KeepingToneAndLength) {
  auto r = Resampler::create({AV_SAMPLE_FMT_FLT, 44100, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2});
  ASSERT_TRUE(r) << r.error().message();
  auto in = test_signal::sine(44100, 2, 44100, 1000, 0.5);
  auto out = run(*r, in, 2);
  // One second in, one second out (the flush returns what the filter held).
  EXPECT_NEAR(double(out.size() / 2), 48000, 2);
  auto left = test_signal::channel(out, 2, 0);
  std::span<const float> steady(left.data() + 1000, left.size() - 2000);
  EXPECT_NEAR(test_signal::tone_amplitude(steady, 1000, 48000), 0.5, 0.02);
  EXPECT_NEAR(test_signal::zero_crossing_frequency(steady, 48000), 1000, 5);
}

TEST(Resampler, UpmixesMonoPlanarToInterleavedStereo) {
  auto r = Resampler::create({AV_SAMPLE_FMT_FLTP, 48000, 1}, {AV_SAMPLE_FMT_FLT, 48000, 2});
  ASSERT_TRUE(r) << r.error().message();
  auto in = test_signal::sine(48000, 1, 4800, 1000, 0.5);
  auto out = run(*r, in, 1);
  ASSERT_EQ(out.size(), in.size() * 2);  // same rate: no filter, no delay
  for (size_t i = 0; i < in.size(); i += 97) {
    EXPECT_FLOAT_EQ(out[2 * i], out[2 * i + 1]);
    EXPECT_FLOAT_EQ(out[2 * i], in[i]);  // on both channels at its own level
  }
  // reset() keeps the mix.
  ASSERT_TRUE(r->reset());
  auto again = run(*r, in, 1);
  ASSERT_EQ(again.size(), out.size());
  EXPECT_FLOAT_EQ(again[2 * 100], in[100]);
}

TEST(Resampler, InjectedSilenceComesOutAsSamples) {
  auto r = Resampler::create({AV_SAMPLE_FMT_FLT, 48000, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->inject_silence(480));
  auto in = test_signal::sine(48000, 2, 960, 1000, 0.5);
  auto out = run(*r, in, 2);
  ASSERT_EQ(out.size(), size_t(480 + 960) * 2);
  EXPECT_EQ(test_signal::rms(std::span<const float>(out.data(), 960)), 0);
  EXPECT_GT(test_signal::rms(std::span<const float>(out.data() + 960, 1920)), 0.3);
}

TEST(Resampler, ResetDropsBufferedInput) {
  auto r = Resampler::create({AV_SAMPLE_FMT_FLT, 44100, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2});
  ASSERT_TRUE(r);
  auto in = test_signal::sine(44100, 2, 1024, 1000, 0.5);
  std::vector<float> buf(size_t(r->max_output(1024)) * 2);
  const uint8_t* src[] = {reinterpret_cast<const uint8_t*>(in.data())};
  uint8_t* dst[] = {reinterpret_cast<uint8_t*>(buf.data())};
  ASSERT_TRUE(r->convert(src, 1024, dst, r->max_output(1024)));
  EXPECT_GT(r->delay(), 0);
  ASSERT_TRUE(r->reset());
  EXPECT_EQ(r->delay(), 0);
}

TEST(Resampler, RefusesBadFormatsAndShortOutput) {
  EXPECT_FALSE(Resampler::create({AV_SAMPLE_FMT_FLT, 0, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2}));
  EXPECT_FALSE(Resampler::create({AV_SAMPLE_FMT_NONE, 48000, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2}));
  auto r = Resampler::create({AV_SAMPLE_FMT_FLT, 44100, 2}, {AV_SAMPLE_FMT_FLT, 48000, 2});
  ASSERT_TRUE(r);
  auto in = test_signal::sine(44100, 2, 1024, 1000, 0.5);
  std::vector<float> buf(20);
  const uint8_t* src[] = {reinterpret_cast<const uint8_t*>(in.data())};
  uint8_t* dst[] = {reinterpret_cast<uint8_t*>(buf.data())};
  EXPECT_FALSE(r->convert(src, 1024, dst, 10));
}

}  // namespace
}  // namespace onair::codec
