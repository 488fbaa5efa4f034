#pragma once
// TsMuxer: FLV-style frames (H.264/HEVC in AVCC/HVCC form, AAC raw) to MPEG-TS
// (ISO/IEC 13818-1) for HLS segments: PAT/PMT, PES with PTS/DTS at 90 kHz, PCR on the video
// PID, Annex-B video with parameter sets before each keyframe, ADTS audio. Pure.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace onair::hls {

class TsMuxer {
 public:
  enum class Video { none, h264, hevc };

  // Decoder configuration from the sequence headers (the FLV tag bodies).
  Result<void> set_video_config(std::span<const uint8_t> tag_body);
  Result<void> set_audio_config(std::span<const uint8_t> tag_body);
  bool has_video() const { return video_ != Video::none; }
  bool has_audio() const { return aac_object_ != 0; }

  // Appends PAT and PMT (each segment starts with them).
  void write_tables(std::string& out);
  // Appends one frame. `dts_ms`: the frame's timestamp; video carries its composition time.
  Result<void> write_video(std::string& out, std::span<const uint8_t> tag_body, uint32_t dts_ms, bool keyframe);
  Result<void> write_audio(std::string& out, std::span<const uint8_t> tag_body, uint32_t dts_ms);

  static uint32_t crc32(std::span<const uint8_t> data);  // MPEG-2 CRC

 private:
  void write_pes(std::string& out, uint16_t pid, uint8_t stream_id, const std::string& payload, uint64_t pts,
                 uint64_t dts, bool with_dts, bool pcr, bool random_access);

  Video video_ = Video::none;
  size_t nal_length_size_ = 4;
  std::vector<std::string> parameter_sets_;  // SPS/PPS (VPS for HEVC), Annex-B ready
  uint8_t aac_object_ = 0, aac_freq_index_ = 0, aac_channels_ = 0;
  uint8_t cc_pat_ = 0, cc_pmt_ = 0, cc_video_ = 0, cc_audio_ = 0;
};

}  // namespace onair::hls
