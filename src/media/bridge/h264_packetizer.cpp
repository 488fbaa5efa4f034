#include "media/bridge/h264_packetizer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "media/webrtc/codec_h264.hpp"

namespace onair::bridge {
namespace nal = webrtc::h264::nal;

namespace {

constexpr uint8_t kForbidden = 0x80;
constexpr uint8_t kNri = 0x60;
constexpr uint8_t kTypeMask = 0x1F;
constexpr uint8_t kFuStart = 0x80;  // FU header S bit (RFC 6184 5.8)
constexpr uint8_t kFuEnd = 0x40;    // E bit
constexpr uint8_t kFiller = 12;     // filler data (ITU-T H.264 Table 7-1)
constexpr size_t kFuHeaderSize = 2;

}  // namespace

H264Packetizer::H264Packetizer(size_t max_payload) : max_payload_(max_payload), buf_(max_payload) {
  if (max_payload < kMinMaxPayload)
    throw std::invalid_argument("H.264 RTP payload size must be at least 3 bytes");
}

void H264Packetizer::set_parameter_sets(std::span<const uint8_t> sps,
                                        std::span<const uint8_t> pps) {
  stap_.clear();
  if (sps.empty() || pps.empty()) {
    sps_.clear();
    pps_.clear();
    return;
  }
  sps_.assign(sps.begin(), sps.end());
  pps_.assign(pps.begin(), pps.end());
  // RFC 6184 5.7.1: STAP-A header, then | size (16) | NAL unit | for each. 5.7: its F bit
  // is set when any unit's is, its NRI is the largest of theirs.
  const size_t size = 1 + 2 + sps.size() + 2 + pps.size();
  if (size > max_payload_ || sps.size() > 0xFFFF || pps.size() > 0xFFFF) return;
  const uint8_t f = (sps[0] | pps[0]) & kForbidden;
  const uint8_t nri = std::max(sps[0] & kNri, pps[0] & kNri);
  stap_.push_back(uint8_t(f | nri | nal::kStapA));
  for (std::span<const uint8_t> unit : {sps, pps}) {
    stap_.push_back(uint8_t(unit.size() >> 8));
    stap_.push_back(uint8_t(unit.size()));
    stap_.insert(stap_.end(), unit.begin(), unit.end());
  }
}

void H264Packetizer::begin(std::span<const NalView> nals) {
  queue_.clear();
  stap_pending_ = false;
  nal_index_ = 0;
  frag_count_ = 0;
  bool idr = false, sps = false;
  for (NalView n : nals) {
    if (n.empty()) continue;
    const uint8_t type = n[0] & kTypeMask;
    if (type == nal::kAud || type == kFiller) continue;
    idr |= type == nal::kIdr;
    sps |= type == nal::kSps;
    queue_.push_back(n);
  }
  if (!idr || sps || sps_.empty()) return;
  if (!stap_.empty()) {
    stap_pending_ = true;
  } else {
    NalView sets[] = {sps_, pps_};
    queue_.insert(queue_.begin(), std::begin(sets), std::end(sets));
  }
}

bool H264Packetizer::next(std::span<const uint8_t>& payload, bool& marker) {
  if (stap_pending_) {
    stap_pending_ = false;
    payload = stap_;
    marker = queue_.empty();
    return true;
  }
  if (nal_index_ >= queue_.size()) return false;
  const NalView unit = queue_[nal_index_];
  const bool last_unit = nal_index_ + 1 == queue_.size();
  if (unit.size() <= max_payload_) {  // single NAL unit packet: the unit itself
    payload = unit;
    marker = last_unit;
    ++nal_index_;
    return true;
  }
  // FU-A: the NAL header is not sent as such; its F and NRI go in the FU indicator and its
  // type in the FU header. The rest is cut into fragments differing by one byte at most.
  const size_t body = unit.size() - 1;
  const size_t per_packet = max_payload_ - kFuHeaderSize;
  if (frag_count_ == 0) {
    frag_count_ = (body + per_packet - 1) / per_packet;
    frag_index_ = 0;
    frag_offset_ = 1;
  }
  const size_t size = body / frag_count_ + (frag_index_ < body % frag_count_ ? 1 : 0);
  const bool first = frag_index_ == 0, last = frag_index_ + 1 == frag_count_;
  buf_[0] = uint8_t((unit[0] & (kForbidden | kNri)) | nal::kFuA);
  buf_[1] = uint8_t((first ? kFuStart : 0) | (last ? kFuEnd : 0) | (unit[0] & kTypeMask));
  std::memcpy(buf_.data() + kFuHeaderSize, unit.data() + frag_offset_, size);
  payload = std::span<const uint8_t>(buf_.data(), kFuHeaderSize + size);
  frag_offset_ += size;
  ++frag_index_;
  marker = last && last_unit;
  if (last) {
    frag_count_ = 0;
    ++nal_index_;
  }
  return true;
}

}  // namespace onair::bridge
