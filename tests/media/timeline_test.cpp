#include "media/stream/timeline.hpp"

#include <gtest/gtest.h>

namespace onair::media {
namespace {

FramePtr frame(FrameKind kind, uint32_t ts, bool seq = false) { return make_frame(kind, ts, kind == FrameKind::video, seq, "x"); }

TEST(PlayerTimeline, StartsEveryPlayerAtZero) {
  PlayerTimeline t;
  EXPECT_EQ(t.next(*frame(FrameKind::video, 90000)), 0u);
  EXPECT_EQ(t.next(*frame(FrameKind::audio, 90010)), 10u);
  EXPECT_EQ(t.next(*frame(FrameKind::video, 90033)), 33u);
}

// Audio stamped just before the keyframe a player starts at does not wrap to 2^32.
TEST(PlayerTimeline, AudioBeforeTheFirstKeyframeIsHeldAtZero) {
  PlayerTimeline t;
  EXPECT_EQ(t.next(*frame(FrameKind::video, 5000)), 0u);
  EXPECT_EQ(t.next(*frame(FrameKind::audio, 4980)), 0u);
  EXPECT_EQ(t.next(*frame(FrameKind::audio, 5003)), 3u);
}

// Across a republish each track carries on forward, even when the new publisher's audio
// starts 60 ms before its video (the step back seen over HTTP-FLV).
TEST(PlayerTimeline, EachTrackStaysMonotonicAcrossARepublish) {
  PlayerTimeline t;
  uint32_t last_audio = 0, last_video = 0;
  for (uint32_t ms = 0; ms < 2000; ms += 20) {
    last_video = t.next(*frame(FrameKind::video, 1000 + ms));
    last_audio = t.next(*frame(FrameKind::audio, 1000 + ms + 10));
  }
  t.republished();
  // The new publisher starts its clock at 0: video first at 60, audio from 0.
  uint32_t v = t.next(*frame(FrameKind::video, 60));
  EXPECT_GT(v, last_video);
  EXPECT_GT(v, last_audio);
  for (uint32_t ms = 0; ms < 200; ms += 20) {
    uint32_t a = t.next(*frame(FrameKind::audio, ms));
    EXPECT_GE(a, last_audio) << ms;
    last_audio = a;
  }
  uint32_t v2 = t.next(*frame(FrameKind::video, 93));
  EXPECT_EQ(v2, v + 33);
  // Sequence headers take the latest position.
  EXPECT_EQ(t.next(*frame(FrameKind::video, 0, true)), std::max(v2, last_audio));
}

// A publisher whose clock jumps back by minutes within one publish: the player carries on
// from where it was (one rebase), not frozen at the old time until the clock catches up.
TEST(PlayerTimeline, ABigJumpBackRebasesInsteadOfFreezing) {
  PlayerTimeline t;
  uint32_t last = 0;
  for (uint32_t ms = 0; ms <= 600000; ms += 40) last = t.next(*frame(FrameKind::video, 100000 + ms));
  uint32_t a = t.next(*frame(FrameKind::video, 5000));
  uint32_t b = t.next(*frame(FrameKind::video, 5040));
  EXPECT_EQ(a, last + 1);
  EXPECT_EQ(b, a + 40);
}

}  // namespace
}  // namespace onair::media
