#include "media/codec/audio_encoder.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
}

#include "media/codec/av_error.hpp"

namespace onair::codec {
namespace {

bool supports_format(const AVCodec* codec, AVSampleFormat format) {
  if (!codec->sample_fmts) return true;  // the codec does not say: let open decide
  for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
    if (*f == format) return true;
  }
  return false;
}

}  // namespace

Result<AudioEncoder> AudioEncoder::create(const AudioEncoderSettings& s) {
  const AVCodec* codec = avcodec_find_encoder_by_name(s.codec.c_str());
  if (!codec) return fail(ErrorCode::invalid_argument, "audio encoder: no encoder " + s.codec);
  if (s.sample_rate <= 0 || s.channels <= 0 || s.bit_rate <= 0) {
    return fail(ErrorCode::invalid_argument, "audio encoder: rate, channels and bit rate > 0");
  }
  if (!supports_format(codec, s.sample_format)) {
    return fail(ErrorCode::invalid_argument, "audio encoder: " + s.codec +
                                                 " does not take sample format " +
                                                 av_get_sample_fmt_name(s.sample_format));
  }

  AudioEncoder e;
  e.ctx_.reset(avcodec_alloc_context3(codec));
  e.frame_.reset(av_frame_alloc());
  e.packet_.reset(av_packet_alloc());
  if (!e.ctx_ || !e.frame_ || !e.packet_) {
    return fail(ErrorCode::internal, "audio encoder: out of memory");
  }
  AVCodecContext& c = *e.ctx_;
  c.sample_rate = s.sample_rate;
  av_channel_layout_default(&c.ch_layout, s.channels);
  c.sample_fmt = s.sample_format;
  c.bit_rate = s.bit_rate;
  // pts count samples, so a packet's pts is exact integer arithmetic on the caller's side.
  c.time_base = AVRational{1, s.sample_rate};
  c.thread_count = 1;
  if (s.global_header) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) c.frame_size = s.frame_size;

  AVDictionary* options = nullptr;
  for (const auto& [key, value] : s.options) av_dict_set(&options, key.c_str(), value.c_str(), 0);
  int err = avcodec_open2(&c, codec, &options);
  // avcodec_open2 leaves in the dictionary what nobody took.
  const AVDictionaryEntry* unknown = av_dict_get(options, "", nullptr, AV_DICT_IGNORE_SUFFIX);
  std::string unknown_key = unknown ? unknown->key : "";
  av_dict_free(&options);
  if (err < 0) return av_fail(err, "audio encoder: opening " + s.codec);
  if (!unknown_key.empty()) {
    return fail(ErrorCode::invalid_argument,
                "audio encoder: " + s.codec + " has no option " + unknown_key);
  }
  if (c.frame_size <= 0) c.frame_size = s.frame_size;  // any size: use ours

  AVFrame& f = *e.frame_;
  f.format = c.sample_fmt;
  f.sample_rate = c.sample_rate;
  f.nb_samples = c.frame_size;
  if (int err = av_channel_layout_copy(&f.ch_layout, &c.ch_layout); err < 0) {
    return av_fail(err, "audio encoder: frame layout");
  }
  if (int err = av_frame_get_buffer(&f, 0); err < 0) {
    return av_fail(err, "audio encoder: frame buffer");
  }
  return e;
}

Result<AVFrame*> AudioEncoder::frame() {
  // A no-op unless the encoder kept a reference to the last frame's buffers.
  if (int err = av_frame_make_writable(frame_.get()); err < 0) {
    return av_fail(err, "audio encoder: av_frame_make_writable");
  }
  frame_->nb_samples = ctx_->frame_size;
  return frame_.get();
}

Result<void> AudioEncoder::send(const AVFrame* frame) {
  if (!frame) return fail(ErrorCode::invalid_argument, "audio encoder: null frame");
  if (int err = avcodec_send_frame(ctx_.get(), frame); err < 0) {
    return av_fail(err, "audio encoder: avcodec_send_frame");
  }
  return {};
}

Result<void> AudioEncoder::send_end() {
  int err = avcodec_send_frame(ctx_.get(), nullptr);
  if (err < 0 && err != AVERROR_EOF) return av_fail(err, "audio encoder: draining");
  return {};
}

Result<const AVPacket*> AudioEncoder::receive() {
  av_packet_unref(packet_.get());
  int err = avcodec_receive_packet(ctx_.get(), packet_.get());
  if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return nullptr;
  if (err < 0) return av_fail(err, "audio encoder: avcodec_receive_packet");
  return packet_.get();
}

}  // namespace onair::codec
