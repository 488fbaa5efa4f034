#include "media/codec/decoder.hpp"

#include <cstring>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
}

#include "media/codec/av_error.hpp"

namespace onair::codec {

Result<Decoder> Decoder::create(const DecoderSettings& settings) {
  const AVCodec* codec = avcodec_find_decoder(settings.codec);
  if (!codec) {
    return fail(ErrorCode::invalid_argument,
                std::string("decoder: no decoder for ") + avcodec_get_name(settings.codec));
  }
  Decoder d;
  d.ctx_.reset(avcodec_alloc_context3(codec));
  d.frame_.reset(av_frame_alloc());
  d.packet_.reset(av_packet_alloc());
  if (!d.ctx_ || !d.frame_ || !d.packet_) {
    return fail(ErrorCode::internal, "decoder: out of memory");
  }
  if (!settings.extradata.empty()) {
    // FFmpeg owns extradata (freed with the context) and may read past its end.
    size_t n = settings.extradata.size();
    d.ctx_->extradata = static_cast<uint8_t*>(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!d.ctx_->extradata) return fail(ErrorCode::internal, "decoder: out of memory");
    std::memcpy(d.ctx_->extradata, settings.extradata.data(), n);
    d.ctx_->extradata_size = int(n);
  }
  if (settings.sample_rate > 0) d.ctx_->sample_rate = settings.sample_rate;
  if (settings.channels > 0) av_channel_layout_default(&d.ctx_->ch_layout, settings.channels);
  d.ctx_->thread_count = 1;  // one stream, one worker thread: no codec threads of its own

  if (int err = avcodec_open2(d.ctx_.get(), codec, nullptr); err < 0) {
    return av_fail(err, std::string("decoder: opening ") + codec->name);
  }
  return d;
}

Result<void> Decoder::send(std::span<const uint8_t> packet, int64_t pts) {
  // An empty packet would mean "drain"; that is send_end()'s job.
  if (packet.empty()) return fail(ErrorCode::invalid_argument, "decoder: empty packet");
  // The packet is not reference-counted, so avcodec_send_packet copies what it keeps;
  // the buffer is ours to reuse for the next packet.
  if (buffer_.size() < packet.size() + AV_INPUT_BUFFER_PADDING_SIZE) {
    buffer_.resize(packet.size() + AV_INPUT_BUFFER_PADDING_SIZE);
  }
  std::memcpy(buffer_.data(), packet.data(), packet.size());
  std::memset(buffer_.data() + packet.size(), 0, AV_INPUT_BUFFER_PADDING_SIZE);
  av_packet_unref(packet_.get());
  packet_->data = buffer_.data();
  packet_->size = int(packet.size());
  packet_->pts = pts;
  int err = avcodec_send_packet(ctx_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (err < 0) return av_fail(err, "decoder: avcodec_send_packet");
  return {};
}

Result<void> Decoder::send_end() {
  int err = avcodec_send_packet(ctx_.get(), nullptr);
  if (err < 0 && err != AVERROR_EOF) return av_fail(err, "decoder: draining");
  return {};
}

Result<const AVFrame*> Decoder::receive() {
  av_frame_unref(frame_.get());
  int err = avcodec_receive_frame(ctx_.get(), frame_.get());
  if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return nullptr;
  if (err < 0) return av_fail(err, "decoder: avcodec_receive_frame");
  return frame_.get();
}

void Decoder::reset() {
  av_frame_unref(frame_.get());
  avcodec_flush_buffers(ctx_.get());
}

}  // namespace onair::codec
