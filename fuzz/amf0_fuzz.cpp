// AMF0: decoding arbitrary bytes never crashes, and what decodes re-encodes to bytes that
// decode to the same number of values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/rtmp/amf0.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto values = onair::amf0::decode_all({data, size});
  if (!values) return 0;
  std::string out;
  for (const auto& v : *values) onair::amf0::encode(out, v);
  auto again = onair::amf0::decode_all({reinterpret_cast<const uint8_t*>(out.data()), out.size()});
  if (!again || again->size() != values->size()) std::abort();
  return 0;
}
