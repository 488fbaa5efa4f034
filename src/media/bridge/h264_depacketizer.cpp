#include "media/bridge/h264_depacketizer.hpp"

#include <algorithm>

#include "media/webrtc/codec_h264.hpp"

namespace onair::bridge {
namespace nal = webrtc::h264::nal;

namespace {

constexpr uint8_t kForbidden = 0x80;  // F bit of a NAL unit header (RFC 6184 5.3)
constexpr uint8_t kNriAndF = 0xE0;
constexpr uint8_t kTypeMask = 0x1F;
constexpr uint8_t kFuStart = 0x80;  // S bit of the FU header (RFC 6184 5.8)
constexpr uint8_t kFuEnd = 0x40;    // E bit

// A type a single NAL unit packet, an aggregation unit or an FU may carry (RFC 6184 5.2,
// Table 3: 1-23 are H.264 NAL unit types; 0 and 24-31 are not).
bool is_nal_type(uint8_t type) {
  return type >= 1 && type <= 23;
}

}  // namespace

H264Depacketizer::H264Depacketizer(UnitCallback on_unit) : on_unit_(std::move(on_unit)) {}

void H264Depacketizer::push(uint16_t seq, uint32_t timestamp, bool marker,
                            std::span<const uint8_t> payload) {
  ++counters_.packets;
  if (have_seq_ && seq != uint16_t(last_seq_ + 1)) {
    ++counters_.lost;
    after_loss_ = true;
    if (unit_open_) unit_broken_ = true;
    waiting_keyframe_ = true;
  }
  have_seq_ = true;
  last_seq_ = seq;
  if (payload.empty()) {
    // Padding (RFC 3550 5.1 P bit) keeps its own timestamp and marker out of unit framing.
    ++counters_.empty;
    if (fu_open_) fu_next_seq_ = uint16_t(seq + 1);
    return;
  }
  if (unit_open_ && timestamp != unit_ts_) finish_unit();
  if (!unit_open_) {
    open_unit(timestamp);
    unit_broken_ = after_loss_;  // this packet may not be the unit's first
  }
  after_loss_ = false;
  if (!unit_broken_ && !handle(seq, payload)) break_unit();
  if (marker) finish_unit();
}

void H264Depacketizer::lost() {
  ++counters_.lost;
  after_loss_ = true;
  if (unit_open_) unit_broken_ = true;
  waiting_keyframe_ = true;
  have_seq_ = false;  // the gap is reported; the next sequence number is not a second one
}

void H264Depacketizer::open_unit(uint32_t timestamp) {
  unit_open_ = true;
  unit_ts_ = timestamp;
  unit_broken_ = false;
  unit_has_idr_ = false;
  fu_open_ = false;
  data_.clear();
  refs_.clear();
}

void H264Depacketizer::break_unit() {
  unit_broken_ = true;
  fu_open_ = false;
  waiting_keyframe_ = true;
}

bool H264Depacketizer::malformed() {
  ++counters_.malformed;
  return false;
}

void H264Depacketizer::finish_unit() {
  if (!unit_open_) return;
  if (fu_open_) break_unit();  // the FU-A's end packet never came
  if (unit_broken_) {
    ++counters_.dropped_units;
    waiting_keyframe_ = true;
  } else if (!refs_.empty()) {
    bool decodable_start = unit_has_idr_ && !sps_.empty() && !pps_.empty();
    if (waiting_keyframe_ && !decodable_start) {
      ++counters_.dropped_units;
    } else {
      waiting_keyframe_ = false;
      views_.clear();
      for (NalRef r : refs_) views_.emplace_back(data_.data() + r.offset, r.size);
      AccessUnit unit{unit_ts_, unit_has_idr_, parameters_changed_, views_};
      parameters_changed_ = false;
      ++counters_.units_out;
      if (unit_has_idr_) ++counters_.keyframes;
      on_unit_(unit);
    }
  }
  unit_open_ = false;
  unit_broken_ = false;
  fu_open_ = false;
  data_.clear();
  refs_.clear();
}

bool H264Depacketizer::handle(uint16_t seq, std::span<const uint8_t> p) {
  const uint8_t header = p[0];
  if (header & kForbidden) return malformed();  // RFC 6184 5.3: F = 1 may be dropped
  const uint8_t type = header & kTypeMask;
  if (is_nal_type(type)) {       // single NAL unit packet (RFC 6184 5.6)
    if (fu_open_) return false;  // an FU-A ended without its end packet
    return append_nal(p);
  }
  if (type == nal::kStapA) {
    // STAP-A (RFC 6184 5.7.1): the header, then | NALU size (16) | NALU | repeated. Check
    // every size before taking any unit, so a bad packet leaves nothing behind.
    if (p.size() < 2) return malformed();
    for (size_t at = 1; at < p.size();) {
      if (p.size() - at < 2) return malformed();
      size_t size = size_t(p[at]) << 8 | p[at + 1];
      at += 2;
      if (size == 0 || size > p.size() - at) return malformed();
      if ((p[at] & kForbidden) || !is_nal_type(p[at] & kTypeMask)) return malformed();
      at += size;
    }
    if (fu_open_) return false;
    for (size_t at = 1; at < p.size();) {
      size_t size = size_t(p[at]) << 8 | p[at + 1];
      if (!append_nal(p.subspan(at + 2, size))) return false;
      at += 2 + size;
    }
    return true;
  }
  if (type == nal::kFuA) {
    // FU-A (RFC 6184 5.8): FU indicator (F, NRI, 28), FU header | S | E | R | type |.
    if (p.size() < 2) return malformed();
    const uint8_t fu = p[1];
    const uint8_t inner = fu & kTypeMask;
    const bool start = fu & kFuStart, end = fu & kFuEnd;
    if (!is_nal_type(inner) || (start && end)) return malformed();  // 5.8: S and E not both
    if (start) {
      if (fu_open_) return false;  // the previous FU-A never ended
      return begin_fu(uint8_t((header & kNriAndF) | inner), inner, seq, p.subspan(2));
    }
    if (!fu_open_) return false;  // its start packet never came
    return continue_fu(inner, seq, end, p.subspan(2));
  }
  return malformed();  // 0, 30, 31 undefined; STAP-B, MTAP16/24, FU-B are not mode 1
}

bool H264Depacketizer::append_nal(std::span<const uint8_t> bytes) {
  if (data_.size() + bytes.size() > kMaxUnitBytes || refs_.size() >= kMaxUnitNals)
    return malformed();
  NalRef ref{uint32_t(data_.size()), uint32_t(bytes.size())};
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  complete_nal(ref);
  return true;
}

bool H264Depacketizer::begin_fu(uint8_t header, uint8_t type, uint16_t seq,
                                std::span<const uint8_t> data) {
  if (data_.size() + 1 + data.size() > kMaxUnitBytes || refs_.size() >= kMaxUnitNals)
    return malformed();
  fu_offset_ = uint32_t(data_.size());
  data_.push_back(header);  // the NAL header the FU indicator and header carry between them
  data_.insert(data_.end(), data.begin(), data.end());
  fu_open_ = true;
  fu_type_ = type;
  fu_next_seq_ = uint16_t(seq + 1);
  return true;
}

bool H264Depacketizer::continue_fu(uint8_t type, uint16_t seq, bool end,
                                   std::span<const uint8_t> data) {
  if (seq != fu_next_seq_ || type != fu_type_) return false;  // a gap or another unit's part
  if (data_.size() + data.size() > kMaxUnitBytes) return malformed();
  data_.insert(data_.end(), data.begin(), data.end());
  fu_next_seq_ = uint16_t(seq + 1);
  if (end) {
    fu_open_ = false;
    complete_nal({fu_offset_, uint32_t(data_.size() - fu_offset_)});
  }
  return true;
}

void H264Depacketizer::complete_nal(NalRef ref) {
  refs_.push_back(ref);
  std::span<const uint8_t> unit(data_.data() + ref.offset, ref.size);
  const uint8_t type = unit[0] & kTypeMask;
  if (type == nal::kIdr) unit_has_idr_ = true;
  // A parameter set is kept as soon as it is whole: even when the rest of its access unit
  // is lost it describes the pictures that follow (H.264 7.4.1.2.1).
  auto keep = [this, unit](std::vector<uint8_t>& current) {
    if (std::ranges::equal(unit, current)) return;
    current.assign(unit.begin(), unit.end());
    parameters_changed_ = true;
  };
  if (type == nal::kSps) keep(sps_);
  if (type == nal::kPps) keep(pps_);
}

}  // namespace onair::bridge
