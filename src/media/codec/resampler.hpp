#pragma once
// Resampler: one libswresample context converting audio between sample formats, rates
// and channel layouts (default layouts for a channel count: mono, stereo, ...). Owned by
// whoever converts one stream, used from one thread; no allocation after create().
// Mono to more channels puts the mono signal on each at full level (as players do).
// A rate change filters, so the output lags the input by delay() and the last samples
// stay inside until flush().
#include <cstdint>
#include <memory>

#include "core/error.hpp"

extern "C" {
#include <libavutil/samplefmt.h>
}

struct SwrContext;

namespace onair::codec {

struct AudioFormat {
  AVSampleFormat sample_format = AV_SAMPLE_FMT_FLTP;
  int sample_rate = 48000;
  int channels = 2;
  bool operator==(const AudioFormat&) const = default;
};

class Resampler {
 public:
  static Result<Resampler> create(const AudioFormat& in, const AudioFormat& out);

  // Converts `in_samples` per channel from `in` (one plane per channel for a planar
  // format, else one interleaved plane; as AVFrame::extended_data holds them) into `out`,
  // at most `out_capacity` samples per channel. Returns samples per channel written.
  // Leaving input inside for lack of room is an error: size `out` with max_output().
  Result<int> convert(const uint8_t* const* in, int in_samples, uint8_t* const* out,
                      int out_capacity);
  // Appends `samples` of silence to the input, as if converted (a gap in the stream).
  Result<void> inject_silence(int samples);
  // Returns what is still inside the filter, ending the stream; then reset() to reuse.
  Result<int> flush(uint8_t* const* out, int out_capacity);
  // Back to the state after create(): buffered input and filter history dropped.
  Result<void> reset();

  // The most samples convert() can write for `in_samples` of input.
  int max_output(int in_samples) const;
  // Output samples still inside (at the output rate), rounded up.
  int64_t delay() const;

  const AudioFormat& in() const { return in_; }
  const AudioFormat& out() const { return out_; }

 private:
  struct Deleter {
    void operator()(SwrContext* s) const;
  };
  Resampler() = default;

  std::unique_ptr<SwrContext, Deleter> swr_;
  AudioFormat in_;
  AudioFormat out_;
};

}  // namespace onair::codec
