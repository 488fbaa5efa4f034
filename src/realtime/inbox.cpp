#include "realtime/inbox.hpp"

#include <algorithm>

#include "realtime/messages.hpp"

namespace onair::realtime {

const std::string& UserInbox::add(std::string_view type, int64_t now_ms, std::string_view rest) {
  uint64_t seq = ++seq_;
  std::string m = R"({"type":)";
  append_json_string(m, type);
  m += R"(,"seq":)" + std::to_string(seq) + R"(,"ts":)" + std::to_string(now_ms);
  m += rest;
  messages_.push_back({seq, now_ms, std::move(m)});
  return messages_.back().json;
}

std::vector<std::string> UserInbox::since(uint64_t since) const {
  std::vector<std::string> out;
  for (const auto& k : messages_)
    if (k.seq > since) out.push_back(k.json);
  return out;
}

void UserInbox::prune(int64_t now_ms, int64_t ttl_ms, size_t max) {
  while (!messages_.empty() && (messages_.size() > max || messages_.front().at_ms + ttl_ms <= now_ms))
    messages_.pop_front();
}

bool UserInbox::online() const {
  return std::any_of(loops_.begin(), loops_.end(), [](uint32_t n) { return n > 0; });
}

}  // namespace onair::realtime
