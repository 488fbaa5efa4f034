#pragma once
// H.264 parameter sets and the AVC byte formats RTMP and FLV carry, as pure code over bytes:
// the few SPS fields the bridge needs (ITU-T H.264 7.3.2.1.1), the
// AVCDecoderConfigurationRecord an RTMP sequence header holds (ISO/IEC 14496-15 5.3.3.1),
// and the AVCVIDEOPACKET tag bodies (FLV v10.1 E.4.3.1) with their length-prefixed NAL
// units. No sockets, clocks or logging; the parsers are bounds-checked against any input.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace onair::bridge {

// One NAL unit, header byte first, without a start code or length prefix. A view: it
// points into bytes someone else owns (an RTMP message, a depacketizer's buffer).
using NalView = std::span<const uint8_t>;

inline std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// What the bridge reads from a sequence parameter set.
struct SpsInfo {
  uint8_t profile = 0;      // profile_idc (66 Baseline, 77 Main, 100 High, ...)
  uint8_t constraints = 0;  // constraint_set0..5 flags and the 2 reserved bits, as sent
  uint8_t level = 0;        // level_idc (31 = 3.1)
  int width = 0;            // pixels, after frame cropping
  int height = 0;
  uint8_t sps_id = 0;            // seq_parameter_set_id
  uint8_t chroma_format = 1;     // chroma_format_idc: 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
  uint8_t bit_depth_luma = 8;    // bit_depth_luma_minus8 + 8
  uint8_t bit_depth_chroma = 8;  // bit_depth_chroma_minus8 + 8
  bool frame_mbs_only = true;    // false: the stream may hold fields (interlaced)
};

// Parses an SPS NAL unit (header byte 0x67 or another NRI, type 7) up to the frame
// cropping fields; the VUI is not read. Emulation-prevention bytes (7.4.1) are skipped as
// the bits are read. Fails on a truncated or out-of-range SPS, never reads past `nal`.
Result<SpsInfo> parse_sps(std::span<const uint8_t> nal);

// The AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1.2) for one SPS and one PPS:
// version 1, profile, compatibility and level copied from the SPS bytes 1-3,
// lengthSizeMinusOne = 3, and for the High profiles 100/110/122/144 the chroma_format and
// bit depth bytes (from parse_sps; 4:2:0 8-bit when the SPS does not parse) with no SPS
// extensions. Empty when the SPS is shorter than 4 bytes or a parameter set is empty or
// longer than 65535 bytes.
std::string build_avc_config(std::span<const uint8_t> sps, std::span<const uint8_t> pps);

// A parsed AVCDecoderConfigurationRecord. Copies: it outlives the RTMP message it came in.
struct AvcConfig {
  std::vector<std::string> sps;  // each a whole NAL unit
  std::vector<std::string> pps;
  int nal_length_size = 4;  // lengthSizeMinusOne + 1: the spec allows 1, 2, 4; 3 is read too
  uint8_t profile = 0;      // AVCProfileIndication
  uint8_t compatibility = 0;
  uint8_t level = 0;
};

// Parses a record: version 1, at least one SPS and one PPS, every length inside the
// record. The High-profile trailer after the PPS list is optional and not returned.
Result<AvcConfig> parse_avc_config(std::span<const uint8_t> record);

// FLV AVCVIDEOPACKET bodies (FLV v10.1 E.4.3.1): frame type and codec id 7, AVCPacketType,
// a 24-bit signed composition time, then the data.
constexpr uint8_t kFlvAvcKeyframe = 0x17;    // frame type 1, CodecID 7
constexpr uint8_t kFlvAvcInterframe = 0x27;  // frame type 2, CodecID 7
constexpr uint8_t kFlvAvcSequenceHeader = 0;
constexpr uint8_t kFlvAvcNalu = 1;
constexpr size_t kFlvAvcHeaderSize = 5;

// 0x17 0x00 00 00 00, then the record.
std::string flv_avc_sequence_header(std::span<const uint8_t> avc_config);
inline std::string flv_avc_sequence_header(std::string_view avc_config) {
  return flv_avc_sequence_header(bytes_of(avc_config));
}

// 0x17 (keyframe) or 0x27, type 1, the composition time (clamped to 24 bits signed), then
// each NAL unit with a 4-byte big-endian length. The append form reuses the caller's
// buffer (cleared first), for a per-frame path that allocates nothing once warm.
void append_flv_avc_frame(std::string& out, bool keyframe, int32_t composition_ms,
                          std::span<const NalView> nals);
std::string flv_avc_frame(bool keyframe, int32_t composition_ms, std::span<const NalView> nals);

// Calls f(NalView) for each NAL unit of length-prefixed (AVCC) data, the bytes after an
// AVCVIDEOPACKET's 5-byte header, with `nal_length_size` from the AvcConfig. Zero-length
// units are skipped. Returns how many units it passed; fails without calling f again when
// a length field is cut short or a length runs past the end (units before it were passed),
// or when nal_length_size is not 1, 2, 3 or 4.
template <class F>
Result<size_t> for_each_nal(std::span<const uint8_t> avcc, int nal_length_size, F&& f);

// The same, collecting the views into `out` (cleared first; its capacity is reused).
Result<size_t> split_avcc(std::span<const uint8_t> avcc, int nal_length_size,
                          std::vector<NalView>& out);

template <class F>
Result<size_t> for_each_nal(std::span<const uint8_t> avcc, int nal_length_size, F&& f) {
  if (nal_length_size < 1 || nal_length_size > 4)
    return fail(ErrorCode::invalid_argument, "avcc: NAL length size must be 1 to 4");
  const size_t n = size_t(nal_length_size);
  size_t at = 0, count = 0;
  while (at < avcc.size()) {
    if (avcc.size() - at < n)
      return fail(ErrorCode::invalid_argument, "avcc: truncated NAL length");
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | avcc[at + i];
    at += n;
    if (len > avcc.size() - at)
      return fail(ErrorCode::invalid_argument, "avcc: NAL length runs past the end");
    if (len != 0) {
      f(NalView(avcc.data() + at, len));
      ++count;
    }
    at += len;
  }
  return count;
}

}  // namespace onair::bridge
