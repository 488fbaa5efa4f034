#include "realtime/word_filter.hpp"

#include <algorithm>
#include <deque>

namespace onair::realtime {
namespace {
uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? uint8_t(c + 32) : c; }
}  // namespace

WordFilter::WordFilter(const std::vector<std::string>& words, Action action) : action_(action) {
  nodes_.emplace_back();
  nodes_[0].next.fill(-1);
  for (const auto& w : words) {
    if (w.empty()) continue;
    int32_t n = 0;
    for (unsigned char c : w) {
      uint8_t k = fold(c);
      if (nodes_[size_t(n)].next[k] < 0) {
        nodes_[size_t(n)].next[k] = int32_t(nodes_.size());
        nodes_.emplace_back();
        nodes_.back().next.fill(-1);
      }
      n = nodes_[size_t(n)].next[k];
    }
    nodes_[size_t(n)].match_len = std::max<uint32_t>(nodes_[size_t(n)].match_len, uint32_t(w.size()));
  }
  // Breadth-first: fail links, and missing edges filled in (a full automaton).
  std::deque<int32_t> queue;
  for (auto& e : nodes_[0].next) {
    if (e < 0) {
      e = 0;
    } else {
      nodes_[size_t(e)].fail = 0;
      queue.push_back(e);
    }
  }
  while (!queue.empty()) {
    int32_t n = queue.front();
    queue.pop_front();
    Node& node = nodes_[size_t(n)];
    node.match_len = std::max(node.match_len, nodes_[size_t(node.fail)].match_len);
    for (size_t c = 0; c < 256; ++c) {
      int32_t e = nodes_[size_t(n)].next[c];
      if (e < 0) {
        nodes_[size_t(n)].next[c] = nodes_[size_t(nodes_[size_t(n)].fail)].next[c];
      } else {
        nodes_[size_t(e)].fail = nodes_[size_t(nodes_[size_t(n)].fail)].next[c];
        queue.push_back(e);
      }
    }
  }
}

bool WordFilter::apply(std::string& text) const {
  if (empty()) return true;
  std::vector<bool> masked;
  int32_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    n = nodes_[size_t(n)].next[fold(uint8_t(text[i]))];
    uint32_t len = nodes_[size_t(n)].match_len;
    if (len == 0) continue;
    if (action_ == Action::reject) return false;
    if (masked.empty()) masked.assign(text.size(), false);
    for (size_t j = i + 1 - len; j <= i; ++j) masked[j] = true;
  }
  if (masked.empty()) return true;
  // One '*' per masked character (a UTF-8 sequence counts once).
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    bool continuation = (uint8_t(text[i]) & 0xc0) == 0x80;
    if (!masked[i]) {
      out += text[i];
    } else if (!continuation) {
      out += '*';
    }
  }
  text = std::move(out);
  return true;
}

}  // namespace onair::realtime
