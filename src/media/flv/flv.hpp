#pragma once
// FLV (Adobe Flash Video File Format v10.1, Annex E) and the enhanced-RTMP video header
// (veovera enhanced-rtmp v1): what the media plane needs to know about a frame (codec,
// keyframe, sequence header), and the byte layout of an FLV stream for HTTP-FLV players.
// Pure functions over bytes.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "media/stream/frame.hpp"

namespace onair::flv {

enum TagType : uint8_t { kAudio = 8, kVideo = 9, kScript = 18 };

enum class VideoCodec { unknown, h264, hevc, av1, vp9 };
enum class AudioCodec { unknown, aac, mp3, opus, other };

struct VideoInfo {
  VideoCodec codec = VideoCodec::unknown;
  bool keyframe = false;
  bool sequence_header = false;  // decoder configuration (AVCC/HVCC/AV1C)
  bool end_of_sequence = false;
  bool enhanced = false;          // enhanced-RTMP header (FourCC)
  int32_t composition_time = 0;   // ms (AVC/HEVC)
};

struct AudioInfo {
  AudioCodec codec = AudioCodec::unknown;
  bool sequence_header = false;  // AAC AudioSpecificConfig
  int sample_rate = 0;           // from the tag header (AAC always says 44100: see the config)
  int channels = 0;
};

// The tag body of an RTMP video message / FLV video tag.
Result<VideoInfo> parse_video(std::span<const uint8_t> body);
Result<AudioInfo> parse_audio(std::span<const uint8_t> body);

std::string_view to_string(VideoCodec c);
std::string_view to_string(AudioCodec c);
// The frame tags of these (Frame::codec).
media::Codec to_codec(VideoCodec c);
media::Codec to_codec(AudioCodec c);

// The 9-byte FLV header plus PreviousTagSize0.
std::string stream_header(bool has_audio, bool has_video);
// Appends one tag (11-byte header, body, 4-byte previous tag size).
void write_tag(std::string& out, uint8_t type, uint32_t timestamp, std::string_view body);
// Only the 11-byte tag header, for writers that gather the body from elsewhere.
void write_tag_header(std::string& out, uint8_t type, uint32_t timestamp, uint32_t body_size);

struct Tag {
  uint8_t type = 0;
  uint32_t timestamp = 0;
  std::span<const uint8_t> body;
};
// Reads one tag (with its previous-tag-size trailer) from `in`; returns bytes used, 0 when
// more bytes are needed. `max_body` bounds what a tag header may announce.
Result<size_t> read_tag(std::span<const uint8_t> in, Tag& tag, uint32_t max_body = 16 << 20);

}  // namespace onair::flv
