#pragma once
// Test signals and measurements shared by the codec and bridge tests: a sine to encode,
// and what a decoded signal is measured by (level, tone amplitude, frequency).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

namespace onair::test_signal {

// `samples` per channel of interleaved sine, the same on every channel; `start` is the
// index of the first sample, so consecutive calls continue the wave.
inline std::vector<float> sine(int rate, int channels, int samples, double freq, double amplitude,
                               int64_t start = 0) {
  std::vector<float> out(size_t(samples) * size_t(channels));
  for (int i = 0; i < samples; ++i) {
    float v = float(amplitude * std::sin(2 * std::numbers::pi * freq * double(start + i) / rate));
    for (int c = 0; c < channels; ++c) out[size_t(i) * channels + c] = v;
  }
  return out;
}

// Adds white noise of peak `amplitude` (fixed seed): a microphone's floor. Encoders'
// speed on a pure digital tone is not what they cost on real audio.
inline void add_noise(std::vector<float>& x, double amplitude, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-float(amplitude), float(amplitude));
  for (float& v : x) v += noise(rng);
}

// One channel out of interleaved audio.
inline std::vector<float> channel(std::span<const float> interleaved, int channels, int which) {
  std::vector<float> out;
  out.reserve(interleaved.size() / size_t(channels));
  for (size_t i = size_t(which); i < interleaved.size(); i += size_t(channels)) {
    out.push_back(interleaved[i]);
  }
  return out;
}

inline double rms(std::span<const float> x) {
  double sum = 0;
  for (float v : x) sum += double(v) * v;
  return x.empty() ? 0 : std::sqrt(sum / double(x.size()));
}

// The amplitude of the `freq` component (Goertzel's filter): a full-scale sine at freq
// measures about its amplitude, other frequencies little.
inline double tone_amplitude(std::span<const float> x, double freq, int rate) {
  const double w = 2 * std::numbers::pi * freq / rate;
  const double coeff = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (float v : x) {
    double s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return x.empty() ? 0 : 2 * std::sqrt(std::max(power, 0.0)) / double(x.size());
}

// The frequency a signal crosses zero at (rising crossings per second).
inline double zero_crossing_frequency(std::span<const float> x, int rate) {
  int rising = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    if (x[i - 1] < 0 && x[i] >= 0) ++rising;
  }
  return x.empty() ? 0 : double(rising) * rate / double(x.size());
}

}  // namespace onair::test_signal
