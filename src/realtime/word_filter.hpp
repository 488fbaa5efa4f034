#pragma once
// WordFilter: the configurable list of words that chat and danmaku may not carry
// (`realtime.words`). Matching is an Aho-Corasick automaton over bytes, ASCII letters folded
// to lower case, so a long list costs one pass over the text. `mask` replaces each character
// of a match with '*'; `reject` refuses the message. Read-only after construction: shared by
// every loop.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace onair::realtime {

class WordFilter {
 public:
  enum class Action { mask, reject };
  WordFilter(const std::vector<std::string>& words, Action action);

  bool empty() const { return nodes_.size() <= 1; }
  Action action() const { return action_; }
  // False when `text` holds a listed word and the action is reject; otherwise masks matches
  // in place and returns true.
  bool apply(std::string& text) const;

 private:
  struct Node {
    std::array<int32_t, 256> next;
    int32_t fail = 0;
    uint32_t match_len = 0;  // longest word ending here (following fail links), 0: none
  };
  std::vector<Node> nodes_;
  Action action_;
};

}  // namespace onair::realtime
