#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace onair {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF).
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(i);
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((at(i + k) & 0xC0) != 0x80) return 0;
  unsigned char d = at(i + 1);
  if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) || (c == 0xF4 && d > 0x8F))
    return 0;
  return n;
}

template <class Out>
void append_escaped(Out& out, std::string_view s) {
  auto put = [&](std::string_view piece) { out.append(piece.data(), piece.data() + piece.size()); };
  auto put_u = [&](unsigned code) {
    char esc[6] = {'\\', 'u', kHex[(code >> 12) & 15], kHex[(code >> 8) & 15], kHex[(code >> 4) & 15], kHex[code & 15]};
    put(std::string_view(esc, 6));
  };
  size_t clean = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    size_t n = c < 0x80 ? 0 : utf8_length(s, i);
    unsigned code = 0;
    if (n == 2) code = (c & 0x1Fu) << 6 | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    if (n == 3)
      code = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6 |
             (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    // C1 controls and the bidirectional overrides and isolates (which reorder what a
    // terminal or viewer shows) are escaped; every other valid character is kept.
    bool hide = (code >= 0x80 && code <= 0x9F) || (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
    if (n > 0 && !hide) {
      i += n;
      continue;
    }
    put(s.substr(clean, i - clean));
    if (n > 0) {
      put_u(code);
      i += n;
    } else {  // a control character or a byte that is not UTF-8
      char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 4));
      ++i;
    }
    clean = i;
  }
  put(s.substr(clean));
}

// %* in a pattern: the message with its control characters escaped.
class EscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_escaped(dest, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(); }
};

}  // namespace

std::string escape_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_escaped(out, s);
  return out;
}

std::unique_ptr<spdlog::formatter> make_log_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ [%t] %*");
  return f;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("onair");
  spdlog::set_default_logger(logger);
  spdlog::set_formatter(make_log_formatter());
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace onair
