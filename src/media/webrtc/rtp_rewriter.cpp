#include "media/webrtc/rtp_rewriter.hpp"

#include <algorithm>

namespace onair::webrtc {

SeqTsRewriter::SeqTsRewriter(uint16_t initial_seq, uint32_t initial_timestamp, uint32_t clock_rate)
    : clock_rate_(clock_rate), next_out_initial_(initial_seq), next_ts_initial_(initial_timestamp) {}

// RFC 3550 A.1: the extended seq closest to the newest position of the epoch.
int64_t SeqTsRewriter::unwrap(uint16_t seq) const {
  int64_t highest = epoch_start_ + highest_rel_;
  return highest + int16_t(uint16_t(seq - uint16_t(highest)));
}

int64_t SeqTsRewriter::next_out() const {
  if (!started_) return next_out_initial_;
  return epoch_out_base_ + highest_rel_ + 1 - int64_t(folded_ + skip_count_);
}

size_t SeqTsRewriter::skips_below(int64_t rel) const {
  size_t lo = 0, hi = skip_count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (skip_at(mid) < rel)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

bool SeqTsRewriter::is_skipped(int64_t rel) const {
  size_t i = skips_below(rel);
  return i < skip_count_ && skip_at(i) == rel;
}

RtpNumbers SeqTsRewriter::switch_source(uint64_t source, uint16_t seq, uint32_t timestamp, int64_t now_us) {
  int64_t out = next_out();
  uint32_t out_ts = next_ts_initial_;
  if (started_) {
    // Continue the timeline: last timestamp sent + the wall time since, at least 1 tick so
    // the new picture never shares (or precedes) the previous one's timestamp.
    int64_t elapsed_us = std::max<int64_t>(now_us - last_sent_us_, 0);
    int64_t ticks = elapsed_us / 1'000'000 * clock_rate_ + elapsed_us % 1'000'000 * clock_rate_ / 1'000'000;
    out_ts = last_ts_ + uint32_t(std::max<int64_t>(ticks, 1));
  }
  started_ = true;
  source_ = source;
  epoch_start_ = seq;
  epoch_out_base_ = out;
  ts_offset_ = out_ts - timestamp;
  highest_rel_ = 0;
  floor_rel_ = -1;
  folded_ = 0;
  skip_head_ = 0;
  skip_count_ = 0;
  last_ts_ = out_ts;
  last_sent_us_ = now_us;
  return RtpNumbers{uint16_t(out), out_ts};
}

std::optional<RtpNumbers> SeqTsRewriter::rewrite(uint64_t source, uint16_t seq, uint32_t timestamp,
                                                 int64_t now_us) {
  if (!started_ || source != source_) return std::nullopt;  // an earlier source: dropped
  int64_t rel = unwrap(seq) - epoch_start_;
  if (rel <= floor_rel_ || is_skipped(rel)) return std::nullopt;
  int64_t out = epoch_out_base_ + rel - int64_t(folded_ + skips_below(rel));
  uint32_t out_ts = timestamp + ts_offset_;
  if (rel > highest_rel_) {
    highest_rel_ = rel;
    last_ts_ = out_ts;
    last_sent_us_ = now_us;
  }
  return RtpNumbers{uint16_t(out), out_ts};
}

void SeqTsRewriter::skip(uint64_t source, uint16_t seq) {
  if (!started_ || source != source_) return;
  int64_t rel = unwrap(seq) - epoch_start_;
  if (rel <= highest_rel_) return;  // its number is already implied by later packets
  if (skip_count_ == kMaxSkips) {
    // Forget the oldest skip: positions up to it can no longer be placed.
    floor_rel_ = skip_at(0);
    skip_head_ = (skip_head_ + 1) % kMaxSkips;
    --skip_count_;
    ++folded_;
  }
  skips_[(skip_head_ + skip_count_) % kMaxSkips] = rel;
  ++skip_count_;
  highest_rel_ = rel;
}

std::optional<uint16_t> SeqTsRewriter::source_seq(uint16_t out_seq) const {
  if (!started_) return std::nullopt;
  int64_t last = next_out() - 1;
  int64_t out = last + int16_t(uint16_t(out_seq - uint16_t(last)));
  if (out < epoch_out_base_ || out > last) return std::nullopt;
  // Invert out = base + rel - folded - skips_below(rel): step over each skip at or below.
  int64_t rel = out - epoch_out_base_ + int64_t(folded_);
  for (size_t i = 0; i < skip_count_ && skip_at(i) <= rel; ++i) ++rel;
  if (rel <= floor_rel_) return std::nullopt;
  return uint16_t(epoch_start_ + rel);
}

}  // namespace onair::webrtc
