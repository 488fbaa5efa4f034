#pragma once
// AudioEncoder: one libavcodec audio encoder (FFmpeg's native AAC for the WebRTC -> RTMP
// bridge), owned by whoever encodes one stream, used from one thread. A thin layer over
// the send/receive API: fill frame() (or bring a frame of your own), send() it, then
// receive() packets until there are none. Packets come out later than their frames: an
// encoder has a priming delay (priming_samples()) and may hold frames back; their pts say
// where they belong, in the time base 1/sample_rate.
// The input frame and the output packet are allocated once and reused.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "media/codec/av_ptr.hpp"

namespace onair::codec {

struct AudioEncoderSettings {
  std::string codec = "aac";  // an encoder name (avcodec_find_encoder_by_name)
  int sample_rate = 48000;
  int channels = 2;
  int64_t bit_rate = 128000;  // bit/s
  AVSampleFormat sample_format = AV_SAMPLE_FMT_FLTP;
  // Codec configuration out of band (extradata: for AAC the AudioSpecificConfig), as FLV,
  // MP4 and RTMP want it; otherwise encoders that can put it in band do so.
  bool global_header = true;
  int frame_size = 1024;  // samples per frame for encoders that accept any size
  // The encoder's private options by name ({"aac_coder", "fast"}); one it does not know
  // fails create().
  std::vector<std::pair<std::string, std::string>> options;
};

class AudioEncoder {
 public:
  static Result<AudioEncoder> create(const AudioEncoderSettings& settings);

  // Samples per channel in each frame the encoder takes (1024 for AAC).
  int frame_size() const { return ctx_->frame_size; }
  // Samples of encoder delay before the first input sample (AAC: 1024): the first
  // packets carry priming, and a packet's pts is its frame's pts minus this.
  int priming_samples() const { return ctx_->initial_padding; }
  std::span<const uint8_t> extradata() const {
    return {ctx_->extradata, size_t(ctx_->extradata_size)};
  }
  const AVCodecContext& context() const { return *ctx_; }

  // The reusable input frame: frame_size() samples, the encoder's format and layout,
  // writable (made so again if the encoder still holds a reference from last time).
  // Set pts (and nb_samples, for a short last frame) and send() it.
  Result<AVFrame*> frame();

  // One frame of input; `frame` may be frame() or any frame in the encoder's format.
  Result<void> send(const AVFrame* frame);
  // Tells the encoder no more frames come; receive() then returns what it holds back.
  // The encoder is finished after that: create a new one to start a new stream.
  Result<void> send_end();

  // The next packet, or nullptr when the encoder needs another frame (or is drained).
  // The packet belongs to the encoder and stays valid until the next call.
  Result<const AVPacket*> receive();

 private:
  AudioEncoder() = default;

  CodecContextPtr ctx_;
  FramePtr frame_;
  PacketPtr packet_;
};

}  // namespace onair::codec
