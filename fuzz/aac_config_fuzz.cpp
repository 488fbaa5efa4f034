// AudioSpecificConfig: parsing never crashes, and whatever parses rebuilds to bytes that
// parse to the same config (the FLV sequence header onair writes says what it read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/bridge/aac_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = onair::bridge::parse_audio_specific_config(std::span<const uint8_t>(data, size));
  if (!config) return 0;
  std::string asc = onair::bridge::build_audio_specific_config(*config);
  auto again = onair::bridge::parse_audio_specific_config(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(asc.data()), asc.size()));
  if (!again || !(*again == *config)) std::abort();
  std::string header = onair::bridge::flv_aac_sequence_header(asc);
  if (header.size() != asc.size() + 2) std::abort();
  return 0;
}
