#include "media/webrtc/active_speaker.hpp"

#include <algorithm>

namespace onair::webrtc {

ActiveSpeaker::ActiveSpeaker(ActiveSpeakerConfig config)
    : config_(config), bucket_ms_(std::max<int64_t>(config.window_ms / kBuckets, 1)) {}

const ActiveSpeaker::Producer* ActiveSpeaker::find(uint64_t id) const {
  for (const auto& p : producers_)
    if (p.id == id) return &p;
  return nullptr;
}

void ActiveSpeaker::on_audio_level(uint64_t producer, uint8_t level, std::optional<bool> voice, int64_t now_ms) {
  auto it = std::find_if(producers_.begin(), producers_.end(), [&](const Producer& p) { return p.id == producer; });
  if (it == producers_.end()) {
    producers_.push_back(Producer{producer, now_ms, {}});
    it = producers_.end() - 1;
  }
  it->last_ms = std::max(it->last_ms, now_ms);
  level &= 0x7F;
  uint32_t loudness = level < config_.silence_dbov ? uint32_t(config_.silence_dbov - level) : 0;
  if (voice && !*voice) loudness = 0;
  int64_t index = now_ms / bucket_ms_;
  Bucket& b = it->buckets[size_t(index % kBuckets)];
  if (b.index != index) b = Bucket{index, 0, 0};
  b.sum += loudness;
  b.count += 1;
}

void ActiveSpeaker::remove(uint64_t producer) {
  std::erase_if(producers_, [&](const Producer& p) { return p.id == producer; });
  if (challenger_ == producer) challenger_.reset();
}

double ActiveSpeaker::score_of(const Producer& p, int64_t now_ms) const {
  int64_t newest = now_ms / bucket_ms_;
  uint64_t sum = 0, count = 0;
  for (const Bucket& b : p.buckets) {
    if (b.index > newest - kBuckets && b.index <= newest) {
      sum += b.sum;
      count += b.count;
    }
  }
  if (count == 0 || count < uint64_t(std::max(config_.min_samples, 0))) return 0;
  return double(sum) / double(count);
}

double ActiveSpeaker::score(uint64_t producer, int64_t now_ms) const {
  const Producer* p = find(producer);
  return p ? score_of(*p, now_ms) : 0;
}

std::optional<std::pair<uint64_t, double>> ActiveSpeaker::loudest(int64_t now_ms,
                                                                  std::optional<uint64_t> except) const {
  std::optional<std::pair<uint64_t, double>> best;
  for (const auto& p : producers_) {
    if (except && p.id == *except) continue;
    double s = score_of(p, now_ms);
    if (!best || s > best->second || (s == best->second && p.id < best->first)) best = {p.id, s};
  }
  return best;
}

std::optional<SpeakerChange> ActiveSpeaker::update(int64_t now_ms) {
  std::erase_if(producers_, [&](const Producer& p) { return now_ms - p.last_ms > config_.dropout_ms; });
  if (challenger_ && !find(*challenger_)) challenger_.reset();

  if (dominant_ && !find(*dominant_)) {
    // The dominant speaker went away: hand over at once to whoever is speaking, if anyone.
    challenger_.reset();
    auto best = loudest(now_ms, std::nullopt);
    if (best && best->second >= config_.min_score) {
      dominant_ = best->first;
      return SpeakerChange{best->first, best->second};
    }
    dominant_.reset();
    return SpeakerChange{};
  }

  auto best = loudest(now_ms, dominant_);
  double dominant_score = dominant_ ? score(*dominant_, now_ms) : 0;
  if (!best || best->second < config_.min_score || best->second < dominant_score + config_.margin_db) {
    challenger_.reset();
    return std::nullopt;
  }
  if (challenger_ != best->first) {
    challenger_ = best->first;
    challenger_since_ms_ = now_ms;
  }
  if (now_ms - challenger_since_ms_ < config_.hold_ms) return std::nullopt;
  dominant_ = best->first;
  challenger_.reset();
  return SpeakerChange{best->first, best->second};
}

}  // namespace onair::webrtc
