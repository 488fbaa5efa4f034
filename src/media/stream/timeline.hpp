#pragma once
// PlayerTimeline: rebases a stream's timestamps for one player, so every player starts at 0
// and, after the publisher leaves and comes back, carries on from where it was instead of
// jumping. Each track's timestamps never step back for the player (a new publisher's audio
// often starts a little before its video, and a player joining at a keyframe may get audio
// stamped just before it): decoders and HLS muxers choke on a step back. Sequence headers
// and metadata take the current position.
#include <cstdint>

#include "media/stream/frame.hpp"

namespace onair::media {

class PlayerTimeline {
 public:
  static constexpr int32_t kMaxStepBackMs = 1000;  // steps back held in place; larger ones rebase

  uint32_t next(const Frame& f) {
    if (f.sequence_header || f.kind == FrameKind::script) return last_;
    if (!started_ || restart_) {
      base_ = f.timestamp - (started_ ? last_ + 1 : 0);
      started_ = true;
      restart_ = false;
    }
    uint32_t t = f.timestamp - base_;
    uint32_t& track = f.kind == FrameKind::video ? last_video_ : last_audio_;
    int32_t step = int32_t(t - track);  // 32-bit wrapping compare, as on the wire
    if (step < 0 && step > -kMaxStepBackMs) {
      t = track;  // interleaving jitter, or a new publisher's audio a little ahead of its video
    } else if (step <= -kMaxStepBackMs) {
      // The publisher's clock jumped back (a reset, a 24-bit wrap): carry on from here
      // rather than holding every frame at the old time until it catches up.
      base_ = f.timestamp - (last_ + 1);
      t = last_ + 1;
    }
    track = t;
    if (int32_t(t - last_) > 0) last_ = t;
    return t;
  }
  // The publisher left: the next frame starts a new base.
  void republished() { restart_ = true; }

 private:
  bool started_ = false;
  bool restart_ = false;
  uint32_t base_ = 0;
  uint32_t last_ = 0;  // the latest timestamp given to any track
  uint32_t last_video_ = 0, last_audio_ = 0;
};

}  // namespace onair::media
