#include "media/codec/resampler.hpp"

#include <vector>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include "media/codec/av_error.hpp"

namespace onair::codec {

void Resampler::Deleter::operator()(SwrContext* s) const {
  swr_free(&s);
}

Result<Resampler> Resampler::create(const AudioFormat& in, const AudioFormat& out) {
  for (const AudioFormat* f : {&in, &out}) {
    if (f->sample_rate <= 0 || f->channels <= 0 || f->sample_format == AV_SAMPLE_FMT_NONE) {
      return fail(ErrorCode::invalid_argument, "resampler: bad audio format");
    }
  }
  AVChannelLayout in_layout, out_layout;
  av_channel_layout_default(&in_layout, in.channels);
  av_channel_layout_default(&out_layout, out.channels);

  SwrContext* swr = nullptr;
  int err = swr_alloc_set_opts2(&swr, &out_layout, out.sample_format, out.sample_rate, &in_layout,
                                in.sample_format, in.sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  av_channel_layout_uninit(&out_layout);
  Resampler r;
  r.swr_.reset(swr);
  if (err < 0) return av_fail(err, "resampler: swr_alloc_set_opts2");
  // Mono is a centre channel to libswresample, mixed into left and right 3 dB down
  // (constant power). Players put a mono stream on both speakers at its own level; so
  // does this, with a matrix of ones.
  if (in.channels == 1 && out.channels > 1) {
    std::vector<double> ones(size_t(out.channels), 1.0);
    if (err = swr_set_matrix(swr, ones.data(), 1); err < 0) {
      return av_fail(err, "resampler: swr_set_matrix");
    }
  }
  if (err = swr_init(swr); err < 0) return av_fail(err, "resampler: swr_init");
  r.in_ = in;
  r.out_ = out;
  return r;
}

Result<int> Resampler::convert(const uint8_t* const* in, int in_samples, uint8_t* const* out,
                               int out_capacity) {
  if (in_samples <= 0) return 0;
  if (out_capacity < max_output(in_samples)) {
    return fail(ErrorCode::invalid_argument, "resampler: output smaller than max_output()");
  }
  // swr_convert's prototype predates const-correct planes; it does not write the input.
  int n = swr_convert(swr_.get(), const_cast<uint8_t**>(out), out_capacity,
                      const_cast<const uint8_t**>(in), in_samples);
  if (n < 0) return av_fail(n, "resampler: swr_convert");
  return n;
}

Result<void> Resampler::inject_silence(int samples) {
  if (samples <= 0) return {};
  if (int err = swr_inject_silence(swr_.get(), samples); err < 0) {
    return av_fail(err, "resampler: swr_inject_silence");
  }
  return {};
}

Result<int> Resampler::flush(uint8_t* const* out, int out_capacity) {
  int n = swr_convert(swr_.get(), const_cast<uint8_t**>(out), out_capacity, nullptr, 0);
  if (n < 0) return av_fail(n, "resampler: flushing");
  return n;
}

Result<void> Resampler::reset() {
  // swr_init on a configured context clears its buffers and filter state.
  if (int err = swr_init(swr_.get()); err < 0) return av_fail(err, "resampler: swr_init");
  return {};
}

int Resampler::max_output(int in_samples) const {
  int n = swr_get_out_samples(swr_.get(), in_samples);
  return n < 0 ? 0 : n;
}

int64_t Resampler::delay() const {
  // swr_get_delay in the output's time base, rounded up.
  return swr_get_delay(swr_.get(), out_.sample_rate);
}

}  // namespace onair::codec
