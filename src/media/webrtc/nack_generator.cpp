#include "media/webrtc/nack_generator.hpp"

#include <algorithm>

namespace onair::webrtc {

NackGenerator::NackGenerator(NackConfig config) : config_(config) { missing_.reserve(config_.max_missing); }

void NackGenerator::reset() {
  missing_.clear();
  started_ = false;
  highest_ = 0;
}

NackGenerator::PacketResult NackGenerator::on_packet(uint16_t seq, int64_t now_ms) {
  PacketResult result;
  if (!started_) {
    started_ = true;
    highest_ = seq;
    return result;
  }
  // RFC 3550 A.1 style unwrap against the newest packet.
  int64_t ext = highest_ + int16_t(uint16_t(seq - uint16_t(highest_)));
  if (ext == highest_) return result;  // a duplicate
  if (ext < highest_) {
    // Late: if it was missing, it is recovered.
    auto it = std::lower_bound(missing_.begin(), missing_.end(), ext,
                               [](const Missing& m, int64_t s) { return m.ext_seq < s; });
    if (it != missing_.end() && it->ext_seq == ext) {
      missing_.erase(it);
      result.recovered = true;
    }
    return result;
  }
  // A forward jump: everything between the newest and this one is missing.
  size_t gap = size_t(ext - highest_ - 1);
  highest_ = ext;
  if (gap == 0) return result;
  if (gap > config_.max_missing) {
    missing_.clear();
    result.keyframe_needed = true;
    return result;
  }
  if (missing_.size() + gap > config_.max_missing) {
    size_t drop = missing_.size() + gap - config_.max_missing;
    missing_.erase(missing_.begin(), missing_.begin() + ptrdiff_t(drop));
    result.keyframe_needed = true;
  }
  for (int64_t s = ext - int64_t(gap); s < ext; ++s) missing_.push_back(Missing{s, now_ms, kNever, 0});
  return result;
}

size_t NackGenerator::due(int64_t now_ms, int64_t rtt_ms, std::span<uint16_t> out) {
  std::erase_if(missing_, [&](const Missing& m) {
    return now_ms - m.detected_ms > config_.max_age_ms || highest_ - m.ext_seq > config_.max_seq_age ||
           m.retries >= config_.max_retries;
  });
  int64_t interval = std::max(rtt_ms, config_.min_retry_interval_ms);
  size_t n = 0;
  for (Missing& m : missing_) {
    if (n == out.size()) break;
    if (m.sent_ms != kNever && now_ms - m.sent_ms < interval) continue;
    out[n++] = uint16_t(m.ext_seq);
    m.sent_ms = now_ms;
    ++m.retries;
  }
  return n;
}

}  // namespace onair::webrtc
