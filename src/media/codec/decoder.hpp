#pragma once
// Decoder: one libavcodec decoder (AAC for the RTMP -> WebRTC bridge, VP8 for the
// WebRTC -> RTMP bridge), owned by whoever decodes one stream, used from one thread. It
// is a thin layer over the send/receive API: send() a packet, then receive() frames until
// it says there are none.
// The packet and frame objects are allocated once and reused; FFmpeg still allocates
// inside for frame buffers from its pools.
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "media/codec/av_ptr.hpp"

namespace onair::codec {

struct DecoderSettings {
  AVCodecID codec = AV_CODEC_ID_AAC;
  // Codec configuration (for AAC the AudioSpecificConfig); may be empty when the stream
  // carries it in band.
  std::span<const uint8_t> extradata;
  int sample_rate = 0;  // audio; 0: from the extradata or the stream
  int channels = 0;     // audio; 0: from the extradata or the stream
};

class Decoder {
 public:
  static Result<Decoder> create(const DecoderSettings& settings);

  // One compressed packet. `pts` is carried to the frames it yields (any time base the
  // caller likes; AV_NOPTS_VALUE when unknown). Fails with invalid_argument when the
  // decoder refuses the packet as bad data; the decoder stays usable.
  Result<void> send(std::span<const uint8_t> packet, int64_t pts = AV_NOPTS_VALUE);
  // Tells the decoder no more packets come, so receive() returns what it still holds.
  Result<void> send_end();

  // The next decoded frame, or nullptr when the decoder needs another packet (or has
  // been drained). The frame belongs to the decoder and stays valid until the next call.
  Result<const AVFrame*> receive();

  // Forgets buffered data and state (a discontinuity); also ends a drain.
  void reset();

  const AVCodecContext& context() const { return *ctx_; }

 private:
  Decoder() = default;

  CodecContextPtr ctx_;
  FramePtr frame_;
  PacketPtr packet_;
  std::vector<uint8_t> buffer_;  // the packet's bytes plus the padding FFmpeg reads past
};

}  // namespace onair::codec
