#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace onair {

namespace {

constexpr char kHex[] = "0123456789abcdef";

template <class Out>
void append_escaped(Out& out, std::string_view s) {
  auto put = [&](std::string_view piece) { out.append(piece.data(), piece.data() + piece.size()); };
  size_t clean = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(s[i + 1]) <= 0x9F;
    if (c >= 0x20 && c != 0x7F && !c1) continue;
    put(s.substr(clean, i - clean));
    if (c1) {
      auto d = static_cast<unsigned char>(s[++i]);
      char esc[6] = {'\\', 'u', '0', '0', kHex[d >> 4], kHex[d & 15]};
      put(std::string_view(esc, 6));
    } else {
      char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 4));
    }
    clean = i + 1;
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
