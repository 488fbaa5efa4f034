#include "media/codec/av_error.hpp"

#include <string>

extern "C" {
#include <libavutil/error.h>
}

namespace onair::codec {

Error av_error(int averror, std::string_view what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  // For a code it does not know av_strerror still writes a generic message.
  (void)av_strerror(averror, text, sizeof text);
  const bool input = averror == AVERROR(EINVAL) || averror == AVERROR_INVALIDDATA ||
                     averror == AVERROR_DECODER_NOT_FOUND || averror == AVERROR_ENCODER_NOT_FOUND ||
                     averror == AVERROR_OPTION_NOT_FOUND || averror == AVERROR_PATCHWELCOME;
  std::string message(what);
  message += ": ";
  message += text;
  message += " (" + std::to_string(averror) + ")";
  return Error(input ? ErrorCode::invalid_argument : ErrorCode::internal, std::move(message));
}

}  // namespace onair::codec
