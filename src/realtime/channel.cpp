#include "realtime/channel.hpp"

#include <algorithm>

#include "realtime/messages.hpp"
#include "realtime/websocket.hpp"

namespace onair::realtime {

bool TokenBucket::take(double rate, double burst, int64_t now_ms) {
  if (tokens < 0) {
    tokens = burst;
  } else {
    tokens = std::min(burst, tokens + double(now_ms - last_ms) * rate / 1000.0);
  }
  last_ms = now_ms;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

RoomChannel::RoomChannel(std::string room, const RealtimeConfig& config, int64_t now_ms)
    : room_(std::move(room)), config_(config), seq_(uint64_t(now_ms) * 1000) {}

RoomChannel::Admit RoomChannel::admit(const std::string& user, bool sampled_kind, int64_t now_ms) {
  if (auto it = banned_.find(user); it != banned_.end() && it->second > now_ms) return Admit::banned;
  if (auto it = muted_.find(user); it != muted_.end() && it->second > now_ms) return Admit::muted;
  if (!rates_[user].take(config_.user_rate, config_.user_burst, now_ms)) return Admit::rate_limited;
  if (sampled_kind && big()) {
    int64_t window = now_ms / 1000;
    if (window != sample_window_s_) {
      sample_window_s_ = window;
      sampled_in_window_ = 0;
    }
    if (sampled_in_window_ >= config_.room_rate) return Admit::sampled;
    ++sampled_in_window_;
  }
  return Admit::ok;
}

uint64_t RoomChannel::append(std::string_view type, int64_t ts_ms, std::string_view rest, int64_t now_ns) {
  uint64_t seq = ++seq_;
  std::string m;
  m.reserve(48 + type.size() + rest.size());
  m += R"({"seq":)";
  m += std::to_string(seq);
  m += R"(,"type":)";
  append_json_string(m, type);
  m += R"(,"ts":)";
  m += std::to_string(ts_ms);
  m += rest;
  if (pending_count_ == 0) {
    pending_first_ = seq;
    pending_first_ns_ = now_ns;
  } else {
    pending_ += ',';
  }
  pending_ += m;
  ++pending_count_;
  history_.emplace_back(seq, std::move(m));
  while (history_.size() > config_.history) history_.pop_front();
  return seq;
}

uint64_t RoomChannel::append_event(std::string_view type, int64_t ts_ms, std::string_view data, int64_t now_ns) {
  // data is a JSON object: "{}" adds nothing, "{...}" adds its fields.
  std::string rest;
  if (data.size() > 2 && data.front() == '{') {
    rest = ",";
    rest += data.substr(1);
  } else {
    rest = "}";
  }
  return append(type, ts_ms, rest, now_ns);
}

OutFramePtr RoomChannel::close_batch() {
  if (pending_count_ == 0) return nullptr;
  auto f = std::make_shared<OutFrame>();
  f->bytes = ws::encode(ws::Opcode::text, batch_json(room_, pending_));
  f->room = room_;
  f->first = pending_first_;
  f->last = seq_;
  f->closed_ns = pending_first_ns_;
  f->count = uint32_t(pending_count_);
  pending_.clear();
  if (pending_.capacity() > 64 * 1024) std::string().swap(pending_);
  pending_count_ = 0;
  return f;
}

RoomChannel::Missed RoomChannel::since(uint64_t since) const {
  Missed out;
  if (since >= seq_) return out;
  uint64_t oldest = history_.empty() ? seq_ + 1 : history_.front().first;
  if (since + 1 < oldest) out.gap = std::make_pair(since + 1, oldest - 1);
  auto it = std::lower_bound(history_.begin(), history_.end(), since + 1,
                             [](const auto& e, uint64_t s) { return e.first < s; });
  for (; it != history_.end(); ++it) {
    if (!out.messages.empty()) out.messages += ',';
    out.messages += it->second;
    if (!out.first) out.first = it->first;
    out.last = it->first;
  }
  return out;
}

void RoomChannel::set_muted(const std::string& user, int64_t until_ms) {
  if (until_ms <= 0) {
    muted_.erase(user);
  } else {
    muted_[user] = until_ms;
  }
}

void RoomChannel::ban(const std::string& user, int64_t until_ms) { banned_[user] = until_ms; }

bool RoomChannel::banned(const std::string& user, int64_t now_ms) const {
  auto it = banned_.find(user);
  return it != banned_.end() && it->second > now_ms;
}

void RoomChannel::add_subscriber(size_t loop) {
  if (loop_subs_.size() <= loop) loop_subs_.resize(loop + 1, 0);
  ++loop_subs_[loop];
  ++subscribers_;
}

void RoomChannel::remove_subscriber(size_t loop) {
  if (loop < loop_subs_.size() && loop_subs_[loop] > 0) {
    --loop_subs_[loop];
    --subscribers_;
  }
}

void RoomChannel::prune(int64_t now_ms) {
  std::erase_if(muted_, [&](const auto& e) { return e.second <= now_ms; });
  std::erase_if(banned_, [&](const auto& e) { return e.second <= now_ms; });
  // A bucket idle long enough to be full again is the same as none.
  double refill_ms = config_.user_rate > 0 ? 1000.0 * config_.user_burst / config_.user_rate : 0;
  std::erase_if(rates_, [&](const auto& e) { return double(now_ms - e.second.last_ms) > refill_ms; });
}

}  // namespace onair::realtime
