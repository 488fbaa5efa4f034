#include "media/webrtc/active_speaker.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace onair::webrtc {
namespace {

constexpr uint64_t kAlice = 101;
constexpr uint64_t kBob = 202;
constexpr uint64_t kCarol = 303;
constexpr uint8_t kSilence = 127;

// A producer's level at a time, or nullopt for "no packet" (muted, left).
using Script = std::function<std::optional<uint8_t>(int64_t)>;

struct Change {
  int64_t at_ms;
  std::optional<uint64_t> speaker;
  bool operator==(const Change&) const = default;
};
void PrintTo(const Change& c, std::ostream* os) {
  *os << "{" << c.at_ms << " ms: " << (c.speaker ? std::to_string(*c.speaker) : "nobody") << "}";
}

// Audio packets every 20 ms for each producer, update() every 100 ms, from `from` to `to`.
std::vector<Change> run(ActiveSpeaker& a, const std::map<uint64_t, Script>& producers, int64_t from, int64_t to) {
  std::vector<Change> changes;
  for (int64_t t = from; t <= to; t += 20) {
    for (const auto& [id, script] : producers)
      if (auto level = script(t)) a.on_audio_level(id, *level, std::nullopt, t);
    if (t % 100 == 0)
      if (auto c = a.update(t)) changes.push_back({t, c->speaker});
  }
  return changes;
}

Script constant(uint8_t level) {
  return [level](int64_t) { return level; };
}
Script between(int64_t from, int64_t to, uint8_t level, uint8_t otherwise = kSilence) {
  return [=](int64_t t) -> std::optional<uint8_t> { return t >= from && t < to ? level : otherwise; };
}
Script from(int64_t from, uint8_t level) {
  return [=](int64_t t) -> std::optional<uint8_t> {
    if (t >= from) return level;
    return std::nullopt;
  };
}
Script until(int64_t to, uint8_t level) {
  return [=](int64_t t) -> std::optional<uint8_t> {
    if (t < to) return level;
    return std::nullopt;
  };
}

TEST(ActiveSpeaker, FirstSpeakerTakesOverAfterTheHold) {
  ActiveSpeaker a;
  // Level 30 (-30 dBov) scores 40. Enough samples at 200 ms, then 400 ms of hold.
  auto changes = run(a, {{kAlice, constant(30)}, {kBob, constant(kSilence)}}, 0, 2000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}}));
  EXPECT_EQ(a.dominant(), kAlice);
  EXPECT_DOUBLE_EQ(a.score(kAlice, 2000), 40);
  EXPECT_DOUBLE_EQ(a.score(kBob, 2000), 0);
}

TEST(ActiveSpeaker, SilenceAndNoiseBelowTheFloorNeverTakeOver) {
  ActiveSpeaker a;
  auto changes = run(a, {{kAlice, constant(kSilence)}, {kBob, constant(75)}}, 0, 5000);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(a.dominant(), std::nullopt);
}

TEST(ActiveSpeaker, QuietBackgroundBelowTheMinimumScoreNeverTakesOver) {
  ActiveSpeaker a;
  EXPECT_TRUE(run(a, {{kAlice, constant(65)}}, 0, 5000).empty());  // scores 5 < 10
}

TEST(ActiveSpeaker, ALouderSpeakerTakesOverOnlyAfterLeadingForTheHold) {
  ActiveSpeaker a;
  auto changes = run(a, {{kAlice, between(0, 3000, 40)}, {kBob, between(3000, 10000, 20)}}, 0, 6000);
  // Alice (30) hands the floor to Bob (50) at 3000. Bob leads by 6 dB once his window has
  // filled enough while Alice's fills with silence (3400), then holds 400 ms.
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}, {3800, kBob}}));
}

TEST(ActiveSpeaker, CloseLevelsDoNotFlap) {
  ActiveSpeaker a;
  // Alice starts first; Bob is 4 dB louder, inside the 6 dB margin.
  auto changes = run(a, {{kAlice, constant(30)}, {kBob, between(1000, 100000, 26)}}, 0, 10000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}}));
}

TEST(ActiveSpeaker, AShortLoudBurstDoesNotTakeOver) {
  ActiveSpeaker a;
  // Alice talks steadily (40). Bob shouts at 0 dBov (70) for 700 ms: his average leads hers
  // by 6 dB from 2600 to 2900 only, less than the 400 ms hold, then falls back.
  auto changes = run(a, {{kAlice, constant(30)}, {kBob, between(2000, 2700, 0)}}, 0, 6000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}}));
}

TEST(ActiveSpeaker, ASustainedLeadTakesOver) {
  ActiveSpeaker a;
  // Bob shouts (70) from 2000 while Alice goes on (40): his average passes 46 about 660 ms
  // later, and he holds the lead 400 ms.
  auto changes = run(a, {{kAlice, constant(30)}, {kBob, between(2000, 100000, 0)}}, 0, 6000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}, {3000, kBob}}));
}

TEST(ActiveSpeaker, TheLastSpeakerStaysWhenEveryoneFallsSilent) {
  ActiveSpeaker a;
  auto changes = run(a, {{kAlice, between(0, 2000, 30)}, {kBob, constant(kSilence)}}, 0, 8000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}}));
  EXPECT_EQ(a.dominant(), kAlice);
}

TEST(ActiveSpeaker, AMutedDominantSpeakerIsReplacedOnceHerWindowEmpties) {
  ActiveSpeaker a;
  // Alice (40) stops sending at 3000. Bob (20) could never beat her by 6 dB, but her score
  // falls to 0 as her window empties (about 1 s), then Bob leads and holds 400 ms.
  auto changes = run(a, {{kAlice, until(3000, 30)}, {kBob, constant(50)}}, 0, 6000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}, {4200, kBob}}));
}

TEST(ActiveSpeaker, ADroppedOutDominantSpeakerHandsOverAtOnce) {
  ActiveSpeaker a;
  // Alice stops sending at 3000 and is dropped after 2 s without samples (last at 2980, so
  // at the 5000 update). Bob joins speaking at 4800: at 5000 he has just enough samples
  // and takes over at once, without the hold a challenger needs.
  auto changes = run(a, {{kAlice, until(3000, 30)}, {kBob, from(4800, 50)}}, 0, 6000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}, {5000, kBob}}));
}

TEST(ActiveSpeaker, ADroppedOutDominantSpeakerWithNoOneElseLeavesNobody) {
  ActiveSpeaker a;
  auto changes = run(a, {{kAlice, until(3000, 30)}, {kBob, constant(kSilence)}}, 0, 6000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kAlice}, {5000, std::nullopt}}));
  EXPECT_EQ(a.dominant(), std::nullopt);
}

TEST(ActiveSpeaker, RemovingTheDominantProducerHandsOverOnTheNextUpdate) {
  ActiveSpeaker a;
  run(a, {{kAlice, constant(30)}, {kBob, constant(50)}}, 0, 1000);
  ASSERT_EQ(a.dominant(), kAlice);
  a.remove(kAlice);
  auto c = a.update(1100);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->speaker, kBob);
  EXPECT_DOUBLE_EQ(c->score, 20);
}

TEST(ActiveSpeaker, AClearedVoiceFlagCountsAsSilence) {
  ActiveSpeaker a;
  for (int64_t t = 0; t <= 2000; t += 20) {
    a.on_audio_level(kAlice, 10, false, t);
    if (t % 100 == 0) {
      EXPECT_FALSE(a.update(t)) << t;
    }
  }
  EXPECT_DOUBLE_EQ(a.score(kAlice, 2000), 0);
  a.on_audio_level(kBob, 30, true, 2000);
  EXPECT_EQ(a.dominant(), std::nullopt);
}

TEST(ActiveSpeaker, TooFewSamplesScoreZero) {
  ActiveSpeaker a;
  // DTX-like: a packet every 400 ms, however loud.
  for (int64_t t = 0; t <= 4000; t += 400) a.on_audio_level(kAlice, 0, std::nullopt, t);
  EXPECT_DOUBLE_EQ(a.score(kAlice, 4000), 0);
  EXPECT_FALSE(a.update(4000));
}

TEST(ActiveSpeaker, TiesGoToTheLowerProducerId) {
  ActiveSpeaker a;
  auto changes = run(a, {{kCarol, constant(30)}, {kBob, constant(30)}}, 0, 2000);
  EXPECT_EQ(changes, (std::vector<Change>{{600, kBob}}));
}

TEST(ActiveSpeaker, IsDeterministicForTheSameInput) {
  std::map<uint64_t, Script> script = {{kAlice, between(0, 2500, 35)},
                                       {kBob, between(1500, 5000, 20)},
                                       {kCarol, between(4000, 8000, 10)}};
  ActiveSpeaker a, b;
  auto first = run(a, script, 0, 9000);
  EXPECT_EQ(first, run(b, script, 0, 9000));
  EXPECT_EQ(first, (std::vector<Change>{{600, kAlice}, {2700, kBob}, {5300, kCarol}}));
}

}  // namespace
}  // namespace onair::webrtc
