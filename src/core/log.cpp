#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace onair {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("onair");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ [%t] %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace onair
