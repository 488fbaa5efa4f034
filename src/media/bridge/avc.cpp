#include "media/bridge/avc.hpp"

#include <algorithm>

#include "media/webrtc/codec_h264.hpp"

namespace onair::bridge {
namespace nal = webrtc::h264::nal;

namespace {

constexpr uint8_t kTypeMask = 0x1F;
// 7.4.2.1.1: pic_width_in_mbs and pic_height_in_map_units have no limit of their own; the
// levels cap a frame at 139264 macroblocks (Table A-1, level 6.2). 2048 per side
// (32768 pixels) keeps the arithmetic small and still accepts any real stream.
constexpr uint64_t kMaxMbsPerSide = 2048;

// Reads bits MSB first from the RBSP of a NAL unit: the bytes after its header with each
// emulation_prevention_three_byte (00 00 03 -> 00 00, H.264 7.4.1) skipped as it is met.
// Running out of bytes sets failed() and reads zeros from then on; the parser checks
// failed() where a loop could otherwise run on zeros.
class RbspReader {
 public:
  explicit RbspReader(std::span<const uint8_t> rbsp) : p_(rbsp) {}

  bool failed() const { return failed_; }

  uint32_t bit() {
    if (left_ == 0 && !load_byte()) return 0;
    --left_;
    return (cur_ >> left_) & 1;
  }

  uint32_t bits(int n) {  // n <= 32
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }

  // ue(v), 9.1: leadingZeroBits zeros, a one, then as many bits. More than 31 zeros cannot
  // code a 32-bit value: the stream is broken.
  uint32_t ue() {
    int zeros = 0;
    while (bit() == 0) {
      if (failed_ || ++zeros > 31) {
        failed_ = true;
        return 0;
      }
    }
    uint64_t v = (uint64_t(1) << zeros) - 1 + bits(zeros);
    return uint32_t(v);
  }

  // se(v), 9.1.1: k = ue; (-1)^(k+1) * Ceil(k / 2).
  int64_t se() {
    uint32_t k = ue();
    return (k & 1) ? int64_t(k / 2) + 1 : -int64_t(k / 2);
  }

 private:
  bool load_byte() {
    if (pos_ >= p_.size()) {
      failed_ = true;
      return false;
    }
    uint8_t b = p_[pos_++];
    if (zeros_ >= 2 && b == 0x03) {  // emulation_prevention_three_byte
      zeros_ = 0;
      if (pos_ >= p_.size()) {
        failed_ = true;
        return false;
      }
      b = p_[pos_++];
    }
    zeros_ = b == 0 ? zeros_ + 1 : 0;
    cur_ = b;
    left_ = 8;
    return true;
  }

  std::span<const uint8_t> p_;
  size_t pos_ = 0;
  int zeros_ = 0;  // zero bytes just read, for 00 00 03
  uint8_t cur_ = 0;
  int left_ = 0;  // unread bits of cur_
  bool failed_ = false;
};

// 7.3.2.1.1: the profiles whose SPS carries chroma_format_idc, bit depths and scaling lists.
bool has_chroma_fields(uint8_t profile) {
  switch (profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// ISO/IEC 14496-15 5.3.3.1.2: the profiles whose record ends with chroma_format and bit depths.
bool has_record_extension(uint8_t profile) {
  return profile == 100 || profile == 110 || profile == 122 || profile == 144;
}

// scaling_list() (7.3.2.1.1.1), read and thrown away: delta_scale is se(v) in -128..127
// (7.4.2.1.1.1); a nextScale of 0 ends the explicit part of the list.
bool skip_scaling_list(RbspReader& r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      int64_t delta = r.se();
      if (r.failed() || delta < -128 || delta > 127) return false;
      next = int((last + delta + 256) % 256);
    }
    last = next == 0 ? last : next;
  }
  return true;
}

std::unexpected<Error> bad_sps(std::string what) {
  return fail(ErrorCode::invalid_argument, "sps: " + what);
}

void put16(std::string& out, size_t v) {
  out += char((v >> 8) & 0xFF);
  out += char(v & 0xFF);
}

// A bounds-checked cursor over a record.
struct Cursor {
  std::span<const uint8_t> in;
  size_t at = 0;
  bool has(size_t n) const { return in.size() - at >= n; }
  uint8_t u8() { return in[at++]; }
  size_t u16() {
    size_t v = size_t(in[at]) << 8 | in[at + 1];
    at += 2;
    return v;
  }
};

}  // namespace

Result<SpsInfo> parse_sps(std::span<const uint8_t> nal_unit) {
  if (nal_unit.empty() || (nal_unit[0] & kTypeMask) != nal::kSps)
    return bad_sps("not an SPS NAL unit");
  RbspReader r(nal_unit.subspan(1));
  SpsInfo s;
  s.profile = uint8_t(r.bits(8));
  s.constraints = uint8_t(r.bits(8));
  s.level = uint8_t(r.bits(8));
  uint32_t id = r.ue();
  if (id > 31) return bad_sps("seq_parameter_set_id out of range");
  s.sps_id = uint8_t(id);
  bool separate_colour_planes = false;
  if (has_chroma_fields(s.profile)) {
    uint32_t chroma = r.ue();
    if (chroma > 3) return bad_sps("chroma_format_idc out of range");
    s.chroma_format = uint8_t(chroma);
    if (chroma == 3) separate_colour_planes = r.bit();
    uint32_t luma_minus8 = r.ue(), chroma_minus8 = r.ue();
    if (luma_minus8 > 6 || chroma_minus8 > 6) return bad_sps("bit depth out of range");
    s.bit_depth_luma = uint8_t(8 + luma_minus8);
    s.bit_depth_chroma = uint8_t(8 + chroma_minus8);
    r.bit();        // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {  // seq_scaling_matrix_present_flag
      int lists = chroma != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        if (r.bit() && !skip_scaling_list(r, i < 6 ? 16 : 64))  // seq_scaling_list_present_flag
          return bad_sps("bad scaling list");
      }
    }
  }
  if (r.ue() > 12) return bad_sps("log2_max_frame_num_minus4 out of range");
  uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    if (r.ue() > 12) return bad_sps("log2_max_pic_order_cnt_lsb_minus4 out of range");
  } else if (poc_type == 1) {
    r.bit();  // delta_pic_order_always_zero_flag
    r.se();   // offset_for_non_ref_pic
    r.se();   // offset_for_top_to_bottom_field
    uint32_t cycle = r.ue();
    if (cycle > 255) return bad_sps("num_ref_frames_in_pic_order_cnt_cycle out of range");
    for (uint32_t i = 0; i < cycle && !r.failed(); ++i) r.se();  // offset_for_ref_frame
  } else if (poc_type != 2) {
    return bad_sps("pic_order_cnt_type out of range");
  }
  r.ue();   // max_num_ref_frames
  r.bit();  // gaps_in_frame_num_value_allowed_flag
  uint64_t width_mbs = uint64_t(r.ue()) + 1;
  uint64_t height_map_units = uint64_t(r.ue()) + 1;
  s.frame_mbs_only = r.bit();
  if (!s.frame_mbs_only) r.bit();  // mb_adaptive_frame_field_flag
  r.bit();                         // direct_8x8_inference_flag
  uint64_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (r.bit()) {  // frame_cropping_flag
    crop_left = r.ue();
    crop_right = r.ue();
    crop_top = r.ue();
    crop_bottom = r.ue();
  }
  if (r.failed()) return bad_sps("truncated");
  if (width_mbs > kMaxMbsPerSide || height_map_units > kMaxMbsPerSide)
    return bad_sps("picture size out of range");

  // 7.4.2.1.1: FrameHeightInMbs = (2 - frame_mbs_only_flag) * PicHeightInMapUnits; the crop
  // offsets count in CropUnitX/CropUnitY (7-19 to 7-22), which depend on ChromaArrayType.
  uint64_t field_factor = s.frame_mbs_only ? 1 : 2;
  uint64_t full_width = width_mbs * 16;
  uint64_t full_height = field_factor * height_map_units * 16;
  uint64_t crop_unit_x = 1, crop_unit_y = field_factor;
  if (!separate_colour_planes && s.chroma_format != 0) {
    uint64_t sub_width = s.chroma_format == 3 ? 1 : 2;
    uint64_t sub_height = s.chroma_format == 1 ? 2 : 1;
    crop_unit_x = sub_width;
    crop_unit_y = sub_height * field_factor;
  }
  uint64_t crop_x = crop_unit_x * (crop_left + crop_right);
  uint64_t crop_y = crop_unit_y * (crop_top + crop_bottom);
  if (crop_x >= full_width || crop_y >= full_height) return bad_sps("cropping exceeds the picture");
  s.width = int(full_width - crop_x);
  s.height = int(full_height - crop_y);
  return s;
}

std::string build_avc_config(std::span<const uint8_t> sps, std::span<const uint8_t> pps) {
  if (sps.size() < 4 || pps.empty() || sps.size() > 0xFFFF || pps.size() > 0xFFFF) return {};
  std::string out;
  out.reserve(11 + sps.size() + pps.size() + 4);
  out += char(1);         // configurationVersion
  out += char(sps[1]);    // AVCProfileIndication
  out += char(sps[2]);    // profile_compatibility
  out += char(sps[3]);    // AVCLevelIndication
  out += char(0xFC | 3);  // reserved '111111'b, lengthSizeMinusOne
  out += char(0xE0 | 1);  // reserved '111'b, numOfSequenceParameterSets
  put16(out, sps.size());
  out.append(reinterpret_cast<const char*>(sps.data()), sps.size());
  out += char(1);  // numOfPictureParameterSets
  put16(out, pps.size());
  out.append(reinterpret_cast<const char*>(pps.data()), pps.size());
  if (has_record_extension(sps[1])) {
    SpsInfo info;
    if (auto parsed = parse_sps(sps)) info = *parsed;
    out += char(0xFC | (info.chroma_format & 3));           // reserved, chroma_format
    out += char(0xF8 | ((info.bit_depth_luma - 8) & 7));    // reserved, bit_depth_luma_minus8
    out += char(0xF8 | ((info.bit_depth_chroma - 8) & 7));  // bit_depth_chroma_minus8
    out += char(0);                                         // numOfSequenceParameterSetExt
  }
  return out;
}

Result<AvcConfig> parse_avc_config(std::span<const uint8_t> record) {
  Cursor c{record};
  if (!c.has(6)) return fail(ErrorCode::invalid_argument, "avcC: truncated header");
  if (c.u8() != 1) return fail(ErrorCode::invalid_argument, "avcC: configurationVersion is not 1");
  AvcConfig cfg;
  cfg.profile = c.u8();
  cfg.compatibility = c.u8();
  cfg.level = c.u8();
  cfg.nal_length_size = (c.u8() & 3) + 1;
  auto read_sets = [&c](size_t count, std::vector<std::string>& out) -> bool {
    for (size_t i = 0; i < count; ++i) {
      if (!c.has(2)) return false;
      size_t len = c.u16();
      if (len == 0 || !c.has(len)) return false;
      out.emplace_back(reinterpret_cast<const char*>(c.in.data() + c.at), len);
      c.at += len;
    }
    return true;
  };
  size_t sps_count = c.u8() & 0x1F;
  if (!read_sets(sps_count, cfg.sps))
    return fail(ErrorCode::invalid_argument, "avcC: SPS length runs past the end");
  if (!c.has(1)) return fail(ErrorCode::invalid_argument, "avcC: truncated PPS count");
  size_t pps_count = c.u8();
  if (!read_sets(pps_count, cfg.pps))
    return fail(ErrorCode::invalid_argument, "avcC: PPS length runs past the end");
  if (cfg.sps.empty() || cfg.pps.empty())
    return fail(ErrorCode::invalid_argument, "avcC: no SPS or no PPS");
  return cfg;
}

std::string flv_avc_sequence_header(std::span<const uint8_t> avc_config) {
  std::string out;
  out.reserve(kFlvAvcHeaderSize + avc_config.size());
  out += char(kFlvAvcKeyframe);
  out += char(kFlvAvcSequenceHeader);
  out.append(3, '\0');  // composition time 0
  out.append(reinterpret_cast<const char*>(avc_config.data()), avc_config.size());
  return out;
}

void append_flv_avc_frame(std::string& out, bool keyframe, int32_t composition_ms,
                          std::span<const NalView> nals) {
  out.clear();
  int32_t cts = std::clamp<int32_t>(composition_ms, -(1 << 23), (1 << 23) - 1);
  uint32_t cts24 = uint32_t(cts) & 0xFFFFFF;  // two's complement in 24 bits (E.4.3.1 SI24)
  out += char(keyframe ? kFlvAvcKeyframe : kFlvAvcInterframe);
  out += char(kFlvAvcNalu);
  out += char((cts24 >> 16) & 0xFF);
  out += char((cts24 >> 8) & 0xFF);
  out += char(cts24 & 0xFF);
  for (NalView n : nals) {
    uint32_t len = uint32_t(n.size());
    for (int s = 24; s >= 0; s -= 8) out += char((len >> s) & 0xFF);
    out.append(reinterpret_cast<const char*>(n.data()), n.size());
  }
}

std::string flv_avc_frame(bool keyframe, int32_t composition_ms, std::span<const NalView> nals) {
  std::string out;
  size_t size = kFlvAvcHeaderSize;
  for (NalView n : nals) size += 4 + n.size();
  out.reserve(size);
  append_flv_avc_frame(out, keyframe, composition_ms, nals);
  return out;
}

Result<size_t> split_avcc(std::span<const uint8_t> avcc, int nal_length_size,
                          std::vector<NalView>& out) {
  out.clear();
  return for_each_nal(avcc, nal_length_size, [&out](NalView n) { out.push_back(n); });
}

}  // namespace onair::bridge
