#pragma once
// FFmpeg reports failures as negative AVERROR codes; onair as Error. av_error() turns one
// into the other with av_strerror's text and what was being done, so a log line reads
// "opus_to_aac: encoding AAC: avcodec_send_frame: Invalid argument (-22)".
#include <string_view>

#include "core/error.hpp"

namespace onair::codec {

// invalid_argument for what the input caused (AVERROR(EINVAL), AVERROR_INVALIDDATA, a
// missing decoder or encoder, an unsupported option); internal for everything else.
Error av_error(int averror, std::string_view what);

inline std::unexpected<Error> av_fail(int averror, std::string_view what) {
  return std::unexpected(av_error(averror, what));
}

}  // namespace onair::codec
