#pragma once
// PlayerTimeline: rebases a stream's timestamps for one player, so every player starts at 0
// and, after the publisher leaves and comes back, carries on from where it was instead of
// jumping. Sequence headers and metadata take the current position.
#include <cstdint>

#include "media/stream/frame.hpp"

namespace onair::media {

class PlayerTimeline {
 public:
  uint32_t next(const Frame& f) {
    if (f.sequence_header || f.kind == FrameKind::script) return last_;
    if (!started_ || restart_) {
      base_ = f.timestamp - (started_ ? last_ + 1 : 0);
      started_ = true;
      restart_ = false;
    }
    last_ = f.timestamp - base_;
    return last_;
  }
  // The publisher left: the next frame starts a new base.
  void republished() { restart_ = true; }

 private:
  bool started_ = false;
  bool restart_ = false;
  uint32_t base_ = 0;
  uint32_t last_ = 0;
};

}  // namespace onair::media
