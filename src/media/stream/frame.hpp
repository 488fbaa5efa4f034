#pragma once
// Frame: one media message of a stream (an FLV-style audio/video/script tag body) with what
// the fan-out needs to know about it. Immutable once published and shared by every player
// (encode once, write many): players queue references and gather them with writev.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace onair::media {

enum class FrameKind : uint8_t { audio = 8, video = 9, script = 18 };

// What a frame's payload is coded in, whatever container brought it: sinks decide by this
// (the WebRTC bridge plays H.264 only; the HLS segmenter muxes H.264, HEVC and AAC) and the
// stream reports its codecs from it. `none` for script data and frames nobody tagged.
enum class Codec : uint8_t { none, h264, hevc, av1, vp8, vp9, aac, opus, mp3, other };
// "h264", "hevc", "av1", "vp8", "vp9", "aac", "opus", "mp3", "other"; "" for none.
std::string_view codec_name(Codec c);

// The chunk size onair uses towards RTMP players: large, so most frames are one chunk.
constexpr uint32_t kRtmpOutChunkSize = 60000;

struct Frame {
  FrameKind kind = FrameKind::video;
  Codec codec = Codec::none;
  uint32_t timestamp = 0;  // ms, as published
  bool keyframe = false;
  bool sequence_header = false;  // decoder configuration, kept for late players
  int32_t composition_ms = 0;    // video: presentation minus decoding time (B-frames); 0 without
  uint64_t seq = 0;              // order within the stream, set by Stream
  std::string payload;           // the tag body
  // The payload cut into RTMP chunks of kRtmpOutChunkSize with type-3 headers of this kind's
  // chunk stream between them, without the first chunk's header (which is per player).
  // Empty when that is the payload itself (a frame of one chunk).
  std::string rtmp_body;
  // When make_frame() made it (steady clock, us): what the bridges' latency counts from.
  int64_t arrival_us = 0;

  const std::string& rtmp_bytes() const { return rtmp_body.empty() ? payload : rtmp_body; }
};

using FramePtr = std::shared_ptr<const Frame>;

// The RTMP chunk stream id onair sends a kind of frame on.
inline uint32_t rtmp_csid(FrameKind k) { return k == FrameKind::audio ? 4 : k == FrameKind::video ? 6 : 5; }

// Builds a frame and its shared RTMP encoding (mutable until published).
std::shared_ptr<Frame> make_frame(FrameKind kind, uint32_t timestamp, bool keyframe, bool sequence_header, std::string payload,
                                  Codec codec = Codec::none);

}  // namespace onair::media
