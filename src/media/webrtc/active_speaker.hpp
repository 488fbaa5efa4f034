#pragma once
// ActiveSpeaker: picks a room's dominant speaker from the audio levels its publishers send
// (RFC 6464 client-to-mixer audio level). One per room, owned by the router, on its loop.
// Pure and deterministic: samples and times in, a change of speaker out.
//
// The rule:
//  - Each sample's loudness is how far it is above a silence floor, in dB:
//    max(0, silence_dbov - level), where level is RFC 6464's -dBov (0 loudest, 127
//    silence). A sample whose voice-activity flag is present and clear counts as 0.
//  - A producer's score is the mean loudness of its samples over the last ~window_ms
//    (buckets of window_ms / 10), or 0 when it has fewer than min_samples there (a DTX
//    stream sends a packet every ~400 ms while silent, so it scores 0). Averaging dB
//    values favours sustained speech over one loud spike.
//  - A challenger takes over when its score is at least min_score and leads the dominant
//    speaker's score by margin_db (leads 0 when there is none), continuously for hold_ms
//    as seen by successive update() calls. Otherwise the dominant speaker stays, even when
//    everyone falls silent (the last speaker stays highlighted).
//  - A producer without samples for dropout_ms is removed (it muted or left). When that
//    is the dominant speaker, the loudest remaining producer with at least min_score takes
//    over at once, or nobody.
// Ties go to the lower producer id. Memory: one entry per producer (allocated when a
// producer is first heard, not per sample).
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace onair::webrtc {

struct ActiveSpeakerConfig {
  uint8_t silence_dbov = 70;  // levels at or above this (quieter than -70 dBov) are silence
  int64_t window_ms = 1000;
  int min_samples = 10;       // in the window: 200 ms of 20 ms packets
  double min_score = 10;      // dB above the floor, on average over the window
  double margin_db = 6;
  int64_t hold_ms = 400;
  int64_t dropout_ms = 2000;
};

struct SpeakerChange {
  std::optional<uint64_t> speaker;  // nullopt: nobody
  double score = 0;                 // the new speaker's score, dB above the silence floor
  bool operator==(const SpeakerChange&) const = default;
};

class ActiveSpeaker {
 public:
  explicit ActiveSpeaker(ActiveSpeakerConfig config = {});

  // One audio packet's level (RFC 6464: 0..127 = -dBov) from `producer`. `voice`: the V
  // flag when the extension was negotiated with vad=on, nullopt otherwise.
  void on_audio_level(uint64_t producer, uint8_t level, std::optional<bool> voice, int64_t now_ms);

  // The producer closed: forgotten now; if it was dominant, the next update() says who
  // follows.
  void remove(uint64_t producer);

  // Re-evaluates; returns the new dominant speaker when it changed. Call it regularly
  // (e.g. every 100-200 ms); hold_ms is measured between calls.
  std::optional<SpeakerChange> update(int64_t now_ms);

  std::optional<uint64_t> dominant() const { return dominant_; }
  // A producer's current score (0 when unknown).
  double score(uint64_t producer, int64_t now_ms) const;

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    int64_t index = -1;  // now_ms / bucket_ms of the samples it holds
    uint32_t sum = 0;
    uint32_t count = 0;
  };
  struct Producer {
    uint64_t id;
    int64_t last_ms;
    std::array<Bucket, kBuckets> buckets;
  };

  double score_of(const Producer& p, int64_t now_ms) const;
  const Producer* find(uint64_t id) const;
  // The loudest producer other than `except`, with its score.
  std::optional<std::pair<uint64_t, double>> loudest(int64_t now_ms, std::optional<uint64_t> except) const;

  ActiveSpeakerConfig config_;
  int64_t bucket_ms_;
  std::vector<Producer> producers_;
  std::optional<uint64_t> dominant_;
  std::optional<uint64_t> challenger_;
  int64_t challenger_since_ms_ = 0;
};

}  // namespace onair::webrtc
