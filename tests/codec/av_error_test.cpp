#include "media/codec/av_error.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/error.h>
}

namespace onair::codec {
namespace {

TEST(AvError, BadInputIsInvalidArgumentWithTextAndContext) {
  Error e = av_error(AVERROR_INVALIDDATA, "decoding AAC");
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(e.message().rfind("decoding AAC: ", 0), 0u) << e.message();
  EXPECT_NE(e.message().find("Invalid data"), std::string::npos) << e.message();
  EXPECT_EQ(av_error(AVERROR(EINVAL), "x").code(), ErrorCode::invalid_argument);
  EXPECT_EQ(av_error(AVERROR_ENCODER_NOT_FOUND, "x").code(), ErrorCode::invalid_argument);
}

TEST(AvError, OtherFailuresAreInternal) {
  Error e = av_error(AVERROR(ENOMEM), "allocating");
  EXPECT_EQ(e.code(), ErrorCode::internal);
  EXPECT_NE(e.message().find(std::to_string(AVERROR(ENOMEM))), std::string::npos);
  EXPECT_EQ(av_error(AVERROR_BUG, "x").code(), ErrorCode::internal);
  // A code FFmpeg has no text for still gets a message.
  EXPECT_FALSE(av_error(-123456, "x").message().empty());
}

}  // namespace
}  // namespace onair::codec
