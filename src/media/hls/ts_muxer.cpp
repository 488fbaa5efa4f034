#include "media/hls/ts_muxer.hpp"

namespace onair::hls {
namespace {

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;
constexpr size_t kPacket = 188;
const std::string kStartCode("\x00\x00\x00\x01", 4);

std::unexpected<Error> bad(const char* why) { return fail(ErrorCode::invalid_argument, std::string("ts: ") + why); }

void put_pts(std::string& out, uint8_t prefix, uint64_t ts) {
  out += char((prefix << 4) | (((ts >> 30) & 0x07) << 1) | 1);
  out += char((ts >> 22) & 0xff);
  out += char((((ts >> 15) & 0x7f) << 1) | 1);
  out += char((ts >> 7) & 0xff);
  out += char(((ts & 0x7f) << 1) | 1);
}

// One PSI section in one packet, with the CRC.
void write_section(std::string& out, uint16_t pid, uint8_t& cc, const std::string& section) {
  std::string pkt;
  pkt += char(0x47);
  pkt += char(0x40 | (pid >> 8));
  pkt += char(pid & 0xff);
  pkt += char(0x10 | (cc++ & 0x0f));
  pkt += char(0);  // pointer field
  pkt += section;
  uint32_t crc = TsMuxer::crc32(std::span(reinterpret_cast<const uint8_t*>(section.data()), section.size()));
  for (int s = 24; s >= 0; s -= 8) pkt += char((crc >> s) & 0xff);
  pkt.resize(kPacket, char(0xff));
  out += pkt;
}

}  // namespace

uint32_t TsMuxer::crc32(std::span<const uint8_t> data) {
  uint32_t crc = 0xffffffff;
  for (uint8_t b : data) {
    crc ^= uint32_t(b) << 24;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
  }
  return crc;
}

Result<void> TsMuxer::set_video_config(std::span<const uint8_t> b) {
  if (b.empty()) return bad("empty video config");
  bool enhanced = b[0] & 0x80;
  bool hevc = enhanced ? (b.size() >= 5 && b[1] == 'h' && b[2] == 'v' && b[3] == 'c' && b[4] == '1') : (b[0] & 0x0f) == 12;
  bool avc = !enhanced && (b[0] & 0x0f) == 7;
  size_t off = enhanced ? 5 : 5;  // enhanced: 1 + FourCC; legacy: 1 + packet type + 3 CT
  if (!hevc && !avc) return bad("only H.264 and HEVC go to HLS");
  auto rec = b.subspan(std::min(off, b.size()));
  parameter_sets_.clear();
  if (avc) {
    // AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.2.4.1)
    if (rec.size() < 7) return bad("short AVC configuration");
    nal_length_size_ = (rec[4] & 3) + 1;
    size_t pos = 5;
    for (int set = 0; set < 2; ++set) {
      if (pos >= rec.size()) return bad("short AVC configuration");
      size_t count = set == 0 ? (rec[pos] & 0x1f) : rec[pos];
      ++pos;
      for (size_t i = 0; i < count; ++i) {
        if (pos + 2 > rec.size()) return bad("short AVC parameter set");
        size_t len = size_t(rec[pos]) << 8 | rec[pos + 1];
        pos += 2;
        if (pos + len > rec.size()) return bad("short AVC parameter set");
        parameter_sets_.push_back(kStartCode + std::string(reinterpret_cast<const char*>(&rec[pos]), len));
        pos += len;
      }
    }
    video_ = Video::h264;
    return {};
  }
  // HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1)
  if (rec.size() < 23) return bad("short HEVC configuration");
  nal_length_size_ = (rec[21] & 3) + 1;
  size_t arrays = rec[22];
  size_t pos = 23;
  for (size_t a = 0; a < arrays; ++a) {
    if (pos + 3 > rec.size()) return bad("short HEVC configuration");
    size_t count = size_t(rec[pos + 1]) << 8 | rec[pos + 2];
    pos += 3;
    for (size_t i = 0; i < count; ++i) {
      if (pos + 2 > rec.size()) return bad("short HEVC parameter set");
      size_t len = size_t(rec[pos]) << 8 | rec[pos + 1];
      pos += 2;
      if (pos + len > rec.size()) return bad("short HEVC parameter set");
      parameter_sets_.push_back(kStartCode + std::string(reinterpret_cast<const char*>(&rec[pos]), len));
      pos += len;
    }
  }
  video_ = Video::hevc;
  return {};
}

Result<void> TsMuxer::set_audio_config(std::span<const uint8_t> b) {
  // FLV AAC sequence header: [0xAF][0x00][AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1)]
  if (b.size() < 4 || (b[0] >> 4) != 10) return bad("only AAC goes to HLS");
  aac_object_ = b[2] >> 3;
  aac_freq_index_ = uint8_t(((b[2] & 0x07) << 1) | (b[3] >> 7));
  aac_channels_ = (b[3] >> 3) & 0x0f;
  if (aac_object_ == 0 || aac_object_ > 4 || aac_freq_index_ > 12) {
    aac_object_ = 0;
    return bad("unsupported AAC configuration");
  }
  return {};
}

void TsMuxer::write_tables(std::string& out) {
  std::string pat;
  pat += char(0x00);                                  // table_id
  pat += char(0xB0), pat += char(13);                 // section length
  pat += char(0x00), pat += char(0x01);               // transport_stream_id
  pat += char(0xC1), pat += char(0x00), pat += char(0x00);
  pat += char(0x00), pat += char(0x01);               // program 1
  pat += char(0xE0 | (kPmtPid >> 8)), pat += char(kPmtPid & 0xff);
  write_section(out, 0, cc_pat_, pat);

  std::string streams;
  auto add = [&](uint8_t type, uint16_t pid) {
    streams += char(type);
    streams += char(0xE0 | (pid >> 8));
    streams += char(pid & 0xff);
    streams += char(0xF0), streams += char(0x00);
  };
  if (video_ == Video::h264) add(0x1B, kVideoPid);
  if (video_ == Video::hevc) add(0x24, kVideoPid);
  if (has_audio()) add(0x0F, kAudioPid);
  uint16_t pcr = video_ != Video::none ? kVideoPid : kAudioPid;
  std::string pmt;
  pmt += char(0x02);
  uint16_t len = uint16_t(9 + streams.size() + 4);
  pmt += char(0xB0 | (len >> 8)), pmt += char(len & 0xff);
  pmt += char(0x00), pmt += char(0x01);               // program 1
  pmt += char(0xC1), pmt += char(0x00), pmt += char(0x00);
  pmt += char(0xE0 | (pcr >> 8)), pmt += char(pcr & 0xff);
  pmt += char(0xF0), pmt += char(0x00);               // no program info
  pmt += streams;
  write_section(out, kPmtPid, cc_pmt_, pmt);
}

void TsMuxer::write_pes(std::string& out, uint16_t pid, uint8_t stream_id, const std::string& payload, uint64_t pts,
                        uint64_t dts, bool with_dts, bool pcr, bool random_access) {
  std::string pes;
  pes += std::string("\x00\x00\x01", 3);
  pes += char(stream_id);
  size_t header_data = with_dts ? 10 : 5;
  size_t pes_len = 3 + header_data + payload.size();
  if (stream_id == 0xE0 || pes_len > 0xffff) pes_len = 0;  // video: unbounded (2.4.3.7)
  pes += char(pes_len >> 8), pes += char(pes_len & 0xff);
  pes += char(0x80);
  pes += char(with_dts ? 0xC0 : 0x80);
  pes += char(header_data);
  put_pts(pes, with_dts ? 3 : 2, pts);
  if (with_dts) put_pts(pes, 1, dts);
  pes += payload;

  uint8_t& cc = pid == kVideoPid ? cc_video_ : cc_audio_;
  size_t pos = 0;
  bool first = true;
  while (pos < pes.size()) {
    std::string pkt;
    pkt += char(0x47);
    pkt += char((first ? 0x40 : 0) | (pid >> 8));
    pkt += char(pid & 0xff);
    std::string adapt;
    if (first && (pcr || random_access)) {
      adapt += char(0);  // length, set below
      adapt += char((random_access ? 0x40 : 0) | (pcr ? 0x10 : 0));
      if (pcr) {
        uint64_t base = dts;
        adapt += char((base >> 25) & 0xff);
        adapt += char((base >> 17) & 0xff);
        adapt += char((base >> 9) & 0xff);
        adapt += char((base >> 1) & 0xff);
        adapt += char(((base & 1) << 7) | 0x7e);
        adapt += char(0x00);
      }
    }
    size_t room = kPacket - 4 - adapt.size();
    size_t left = pes.size() - pos;
    if (left < room) {
      // Stuff the last packet through the adaptation field.
      size_t stuff = room - left;
      if (adapt.empty()) {
        adapt += char(0);
        --stuff;
        if (stuff > 0) {
          adapt += char(0x00);
          --stuff;
        }
      }
      adapt.append(stuff, char(0xff));
      room = left;
    }
    if (!adapt.empty()) adapt[0] = char(adapt.size() - 1);
    pkt += char((adapt.empty() ? 0x10 : 0x30) | (cc++ & 0x0f));
    pkt += adapt;
    pkt.append(pes, pos, room);
    pos += room;
    first = false;
    out += pkt;
  }
}

Result<void> TsMuxer::write_video(std::string& out, std::span<const uint8_t> b, uint32_t dts_ms, bool keyframe) {
  if (video_ == Video::none) return bad("video before its configuration");
  if (b.empty()) return bad("empty video frame");
  bool enhanced = b[0] & 0x80;
  size_t off = 5;
  int32_t cts = 0;
  if (enhanced) {
    uint8_t packet_type = b[0] & 0x0f;
    if (packet_type == 1) {  // CodedFrames: a composition time follows the FourCC
      if (b.size() < 8) return bad("short frame");
      cts = int32_t(uint32_t(b[5]) << 16 | uint32_t(b[6]) << 8 | b[7]);
      off = 8;
    } else if (packet_type != 3) {
      return {};  // not a coded frame
    }
  } else {
    if (b.size() < 5) return bad("short frame");
    if (b[1] != 1) return {};  // not a NALU packet
    cts = int32_t(uint32_t(b[2]) << 16 | uint32_t(b[3]) << 8 | b[4]);
  }
  if (cts & 0x800000) cts -= 0x1000000;
  std::string es;
  es.reserve(b.size() + 64);
  if (video_ == Video::h264)
    es += kStartCode + std::string("\x09\xf0", 2);  // access unit delimiter
  else
    es += kStartCode + std::string("\x46\x01\x50", 3);
  bool has_ps = false;
  std::string nalus;
  size_t pos = off;
  while (pos < b.size()) {
    if (pos + nal_length_size_ > b.size()) return bad("truncated NAL length");
    size_t len = 0;
    for (size_t i = 0; i < nal_length_size_; ++i) len = len << 8 | b[pos + i];
    pos += nal_length_size_;
    if (len == 0 || pos + len > b.size()) return bad("bad NAL length");
    uint8_t type = video_ == Video::h264 ? (b[pos] & 0x1f) : ((b[pos] >> 1) & 0x3f);
    bool skip = video_ == Video::h264 ? type == 9 : type == 35;  // the delimiter is ours
    if (video_ == Video::h264 ? (type == 7 || type == 8) : (type >= 32 && type <= 34)) has_ps = true;
    if (!skip) nalus += kStartCode + std::string(reinterpret_cast<const char*>(&b[pos]), len);
    pos += len;
  }
  if (keyframe && !has_ps)
    for (const auto& ps : parameter_sets_) es += ps;
  es += nalus;
  uint64_t dts = uint64_t(dts_ms) * 90;
  uint64_t pts = uint64_t(int64_t(dts_ms) + cts) * 90;
  write_pes(out, kVideoPid, 0xE0, es, pts, dts, pts != dts, keyframe, keyframe);
  return {};
}

Result<void> TsMuxer::write_audio(std::string& out, std::span<const uint8_t> b, uint32_t dts_ms) {
  if (!has_audio()) return bad("audio before its configuration");
  if (b.size() < 2 || b[1] != 1) return {};  // not a raw AAC frame
  size_t len = b.size() - 2 + 7;
  if (len > 0x1fff) return bad("AAC frame too large");
  std::string adts;
  adts += char(0xFF);
  adts += char(0xF1);
  adts += char(((aac_object_ - 1) << 6) | (aac_freq_index_ << 2) | (aac_channels_ >> 2));
  adts += char(((aac_channels_ & 3) << 6) | (len >> 11));
  adts += char((len >> 3) & 0xff);
  adts += char(((len & 7) << 5) | 0x1F);
  adts += char(0xFC);
  adts.append(reinterpret_cast<const char*>(b.data()) + 2, b.size() - 2);
  uint64_t pts = uint64_t(dts_ms) * 90;
  write_pes(out, kAudioPid, 0xC0, adts, pts, pts, false, !has_video(), false);
  return {};
}

}  // namespace onair::hls
