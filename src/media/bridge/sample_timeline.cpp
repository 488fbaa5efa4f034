#include "media/bridge/sample_timeline.hpp"

namespace onair::bridge {

SampleTimeline::Placement SampleTimeline::place(int64_t timestamp) {
  if (!started_) {
    started_ = true;
    next_ = timestamp;
    return {Kind::start};
  }
  const int64_t ahead = timestamp - next_;
  if (ahead >= -limits_.tolerance && ahead <= limits_.tolerance) return {Kind::contiguous};
  if (ahead > 0 && ahead <= limits_.max_gap) return {Kind::gap, ahead};
  if (ahead < 0 && -ahead <= limits_.max_late) return {Kind::late};
  next_ = timestamp;
  return {Kind::reset};
}

}  // namespace onair::bridge
