#include "media/flv/flv.hpp"

#include "media/bytes.hpp"

namespace onair::flv {
using media::put24;
using media::put32;

namespace {

uint32_t fourcc(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
constexpr uint32_t cc(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) << 24 | uint32_t(uint8_t(s[1])) << 16 | uint32_t(uint8_t(s[2])) << 8 | uint8_t(s[3]);
}

}  // namespace

std::string_view to_string(VideoCodec c) {
  switch (c) {
    case VideoCodec::h264: return "h264";
    case VideoCodec::hevc: return "hevc";
    case VideoCodec::av1: return "av1";
    case VideoCodec::vp9: return "vp9";
    default: return "unknown";
  }
}

std::string_view to_string(AudioCodec c) {
  switch (c) {
    case AudioCodec::aac: return "aac";
    case AudioCodec::mp3: return "mp3";
    case AudioCodec::opus: return "opus";
    case AudioCodec::other: return "other";
    default: return "unknown";
  }
}

media::Codec to_codec(VideoCodec c) {
  switch (c) {
    case VideoCodec::h264: return media::Codec::h264;
    case VideoCodec::hevc: return media::Codec::hevc;
    case VideoCodec::av1: return media::Codec::av1;
    case VideoCodec::vp9: return media::Codec::vp9;
    default: return media::Codec::other;
  }
}

media::Codec to_codec(AudioCodec c) {
  switch (c) {
    case AudioCodec::aac: return media::Codec::aac;
    case AudioCodec::mp3: return media::Codec::mp3;
    case AudioCodec::opus: return media::Codec::opus;
    default: return media::Codec::other;
  }
}

Result<VideoInfo> parse_video(std::span<const uint8_t> b) {
  if (b.empty()) return fail(ErrorCode::invalid_argument, "flv: empty video tag");
  VideoInfo v;
  uint8_t first = b[0];
  if (first & 0x80) {
    // Enhanced RTMP: [IsExHeader:1][FrameType:3][PacketType:4][FourCC:32]
    if (b.size() < 5) return fail(ErrorCode::invalid_argument, "flv: truncated enhanced video header");
    v.enhanced = true;
    uint8_t frame_type = (first >> 4) & 0x07;
    uint8_t packet_type = first & 0x0f;
    v.keyframe = frame_type == 1;
    switch (fourcc(&b[1])) {
      case cc("hvc1"): v.codec = VideoCodec::hevc; break;
      case cc("av01"): v.codec = VideoCodec::av1; break;
      case cc("vp09"): v.codec = VideoCodec::vp9; break;
      case cc("avc1"): v.codec = VideoCodec::h264; break;
      default: v.codec = VideoCodec::unknown;
    }
    v.sequence_header = packet_type == 0;
    v.end_of_sequence = packet_type == 2;
    if (packet_type == 1 && (v.codec == VideoCodec::hevc || v.codec == VideoCodec::h264)) {
      if (b.size() < 8) return fail(ErrorCode::invalid_argument, "flv: truncated composition time");
      int32_t ct = int32_t(uint32_t(b[5]) << 16 | uint32_t(b[6]) << 8 | b[7]);
      if (ct & 0x800000) ct -= 0x1000000;
      v.composition_time = ct;
    }
    return v;
  }
  uint8_t frame_type = first >> 4;
  uint8_t codec_id = first & 0x0f;
  v.keyframe = frame_type == 1;
  v.codec = codec_id == 7 ? VideoCodec::h264 : codec_id == 12 ? VideoCodec::hevc : VideoCodec::unknown;
  if (codec_id == 7 || codec_id == 12) {
    if (b.size() < 5) return fail(ErrorCode::invalid_argument, "flv: truncated AVC video header");
    v.sequence_header = b[1] == 0;
    v.end_of_sequence = b[1] == 2;
    int32_t ct = int32_t(uint32_t(b[2]) << 16 | uint32_t(b[3]) << 8 | b[4]);
    if (ct & 0x800000) ct -= 0x1000000;
    v.composition_time = ct;
  }
  return v;
}

Result<AudioInfo> parse_audio(std::span<const uint8_t> b) {
  if (b.empty()) return fail(ErrorCode::invalid_argument, "flv: empty audio tag");
  AudioInfo a;
  uint8_t format = b[0] >> 4;
  static const int kRates[] = {5512, 11025, 22050, 44100};
  a.sample_rate = kRates[(b[0] >> 2) & 3];
  a.channels = (b[0] & 1) ? 2 : 1;
  a.codec = format == 10 ? AudioCodec::aac : format == 2 ? AudioCodec::mp3 : format == 13 ? AudioCodec::opus : AudioCodec::other;
  if (format == 10) {
    if (b.size() < 2) return fail(ErrorCode::invalid_argument, "flv: truncated AAC header");
    a.sequence_header = b[1] == 0;
  }
  return a;
}

std::string stream_header(bool has_audio, bool has_video) {
  std::string h = "FLV";
  h += char(1);
  h += char((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  put32(h, 9);
  put32(h, 0);  // PreviousTagSize0
  return h;
}

void write_tag_header(std::string& out, uint8_t type, uint32_t timestamp, uint32_t body_size) {
  out += char(type);
  put24(out, body_size);
  put24(out, timestamp & 0xffffff);
  out += char((timestamp >> 24) & 0xff);  // TimestampExtended
  put24(out, 0);                          // StreamID
}

void write_tag(std::string& out, uint8_t type, uint32_t timestamp, std::string_view body) {
  write_tag_header(out, type, timestamp, uint32_t(body.size()));
  out.append(body);
  put32(out, uint32_t(11 + body.size()));
}

Result<size_t> read_tag(std::span<const uint8_t> in, Tag& tag, uint32_t max_body) {
  if (in.size() < 11) return 0;
  uint8_t type = in[0] & 0x1f;  // the filter bit is not supported
  if (in[0] & 0x20) return fail(ErrorCode::invalid_argument, "flv: encrypted tags are not supported");
  if (type != kAudio && type != kVideo && type != kScript)
    return fail(ErrorCode::invalid_argument, "flv: unknown tag type " + std::to_string(type));
  uint32_t size = uint32_t(in[1]) << 16 | uint32_t(in[2]) << 8 | in[3];
  if (size > max_body) return fail(ErrorCode::invalid_argument, "flv: tag too large");
  if (in.size() < 11 + size + 4) return 0;
  tag.type = type;
  tag.timestamp = (uint32_t(in[4]) << 16 | uint32_t(in[5]) << 8 | in[6]) | uint32_t(in[7]) << 24;
  tag.body = in.subspan(11, size);
  return 11 + size + 4;
}

}  // namespace onair::flv
