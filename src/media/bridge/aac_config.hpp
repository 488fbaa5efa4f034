#pragma once
// The MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) that an RTMP/FLV AAC sequence
// header carries, and the FLV AAC audio tag bodies (FLV v10.1 E.4.2.1) around it.
// Pure code: bytes in, values or bytes out; no FFmpeg, no allocation beyond the results.
//
// Only the three leading fields are read (audioObjectType, samplingFrequencyIndex with its
// explicit 24-bit form, channelConfiguration). They come first in every config, so what
// follows (GASpecificConfig, the SBR/PS extension of HE-AAC) is tolerated and left to the
// decoder, which is handed the config bytes themselves.
#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"

namespace onair::bridge {

struct AacConfig {
  int object_type = 2;  // audioObjectType: 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS, 1..95
  int sample_rate = 0;  // Hz; for HE-AAC the core (half) rate, as the config signals it
  int channels = 0;     // 0 = defined by a program_config_element (channelConfiguration 0)
  bool operator==(const AacConfig&) const = default;
};

// Fails (invalid_argument) on input too short for the three fields, audioObjectType 0,
// a reserved samplingFrequencyIndex (0xD, 0xE), an explicit rate of 0, and a reserved
// channelConfiguration (8 and above).
Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> asc);

// The shortest config for `c`, with an all-zero GASpecificConfig (1024-sample frames, no
// core coder, no extension) for the general-audio object types. A rate in the table is
// written as its index, any other as the explicit 24-bit form. Preconditions (what parse
// can return): object_type 1..95, sample_rate 1..0xFFFFFF, channels 0..6 or 8.
std::string build_audio_specific_config(const AacConfig& c);

// FLV AudioTagHeader for AAC: SoundFormat 10, and the rate/size/type bits that FLV fixes
// for AAC (44 kHz, 16-bit, stereo) whatever the stream is: 0xAF. Then AACPacketType.
inline constexpr uint8_t kFlvAacTagHeader = 0xAF;

// The tag body announcing a stream's config: 0xAF 0x00 + AudioSpecificConfig.
std::string flv_aac_sequence_header(const std::string& asc);
// The tag body of one raw AAC access unit (no ADTS header): 0xAF 0x01 + raw.
std::string flv_aac_frame(std::span<const uint8_t> raw);

}  // namespace onair::bridge
