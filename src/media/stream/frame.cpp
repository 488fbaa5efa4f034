#include "media/stream/frame.hpp"

#include <chrono>

namespace onair::media {

std::string_view codec_name(Codec c) {
  switch (c) {
    case Codec::none: return "";
    case Codec::h264: return "h264";
    case Codec::hevc: return "hevc";
    case Codec::av1: return "av1";
    case Codec::vp8: return "vp8";
    case Codec::vp9: return "vp9";
    case Codec::aac: return "aac";
    case Codec::opus: return "opus";
    case Codec::mp3: return "mp3";
    case Codec::other: return "other";
  }
  return "";
}

std::shared_ptr<Frame> make_frame(FrameKind kind, uint32_t timestamp, bool keyframe, bool sequence_header, std::string payload,
                                  Codec codec) {
  auto f = std::make_shared<Frame>();
  f->kind = kind;
  f->codec = codec;
  f->timestamp = timestamp;
  f->keyframe = keyframe;
  f->sequence_header = sequence_header;
  f->payload = std::move(payload);
  f->arrival_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  // Type-3 continuation headers are one byte while csid < 64 (RTMP 5.3.1.1).
  const uint8_t t3 = uint8_t(0xC0 | rtmp_csid(kind));
  if (f->payload.size() <= kRtmpOutChunkSize) return f;
  f->rtmp_body.reserve(f->payload.size() + f->payload.size() / kRtmpOutChunkSize + 1);
  for (size_t off = 0; off < f->payload.size(); off += kRtmpOutChunkSize) {
    if (off > 0) f->rtmp_body += char(t3);
    f->rtmp_body.append(f->payload, off, kRtmpOutChunkSize);
  }
  return f;
}

}  // namespace onair::media
