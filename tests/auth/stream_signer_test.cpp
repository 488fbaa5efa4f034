#include "auth/stream_signer.hpp"

#include <gtest/gtest.h>

namespace onair::auth {
namespace {

// Vectors computed independently (Python hashlib/hmac) for key "s3cret-key",
// stream "12345-alice", expiry 0x6a000000.
constexpr int64_t kExpire = 0x6a000000;

TEST(StreamSigner, ExpiryModeIsMd5OfKeyStreamAndHexExpiry) {
  StreamSigner s(SignMode::expiry, "s3cret-key");
  EXPECT_EQ(s.query("12345-alice", StreamAction::publish, kExpire),
            "expire=6a000000&sign=3ac5774b45e66362515362a55c930e63");
  // The action plays no part in the CDN scheme.
  EXPECT_EQ(s.query("12345-alice", StreamAction::play, kExpire),
            "expire=6a000000&sign=3ac5774b45e66362515362a55c930e63");
}

TEST(StreamSigner, HmacModeSignsStreamExpireAndAction) {
  StreamSigner s(SignMode::hmac, "s3cret-key");
  EXPECT_EQ(s.query("12345-alice", StreamAction::publish, kExpire),
            "expire=1778384896&sign=71140bf81782b96f996629b356a46dfd8b94a176fbec90b97b941de8b23277d9");
  EXPECT_EQ(s.query("12345-alice", StreamAction::play, kExpire),
            "expire=1778384896&sign=63591fa0e758e851f072b0e6d1540b36ef4d6576a93fbe35142d8a4f95212717");
}

TEST(StreamSigner, AcceptsItsOwnSignatureUntilExpiry) {
  StreamSigner s(SignMode::hmac, "s3cret-key");
  auto sign = "71140bf81782b96f996629b356a46dfd8b94a176fbec90b97b941de8b23277d9";
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::publish, "1778384896", sign, kExpire - 1));
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::publish, "1778384896", sign, kExpire));
  auto late = s.verify("12345-alice", StreamAction::publish, "1778384896", sign, kExpire + 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), ErrorCode::permission_denied);
  EXPECT_EQ(late.error().message(), "signed URL expired");
}

TEST(StreamSigner, RefusesWrongStreamActionKeyOrTamperedExpiry) {
  StreamSigner s(SignMode::hmac, "s3cret-key");
  auto sign = "71140bf81782b96f996629b356a46dfd8b94a176fbec90b97b941de8b23277d9";
  EXPECT_FALSE(s.verify("12345-bob", StreamAction::publish, "1778384896", sign, 0));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::play, "1778384896", sign, 0));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::publish, "1778384897", sign, 0));
  StreamSigner other(SignMode::hmac, "another-key");
  EXPECT_FALSE(other.verify("12345-alice", StreamAction::publish, "1778384896", sign, 0));
}

TEST(StreamSigner, ExpiryModeChecksTheHexExpiryAsWritten) {
  StreamSigner s(SignMode::expiry, "s3cret-key");
  auto sign = "3ac5774b45e66362515362a55c930e63";
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::play, "6a000000", sign, kExpire - 10));
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::play, "6a000000",
                       "3AC5774B45E66362515362A55C930E63", kExpire - 10));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::play, "6A000000", sign, kExpire - 10));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::play, "6a000000", sign, kExpire + 1));
}

TEST(StreamSigner, RefusesMissingOrMalformedValues) {
  StreamSigner s(SignMode::hmac, "k");
  EXPECT_FALSE(s.verify("a", StreamAction::play, "", "abc", 0));
  EXPECT_FALSE(s.verify("a", StreamAction::play, "12", "", 0));
  EXPECT_FALSE(s.verify("a", StreamAction::play, "12x", "abc", 0));
  EXPECT_FALSE(s.verify("a", StreamAction::play, "99999999999999999999", "abc", 0));
}

TEST(StreamSigner, NoneModeSignsNothingAndAcceptsAll) {
  StreamSigner s(SignMode::none, "");
  EXPECT_EQ(s.query("x", StreamAction::publish, 1), "");
  EXPECT_TRUE(s.verify("x", StreamAction::publish, "", "", 100));
}

TEST(StreamSigner, StreamNamesAreUrlSafe) {
  EXPECT_TRUE(valid_stream_name("12345-alice_1.x@y"));
  EXPECT_FALSE(valid_stream_name(""));
  EXPECT_FALSE(valid_stream_name("a/b"));
  EXPECT_FALSE(valid_stream_name("a?b"));
  EXPECT_FALSE(valid_stream_name(std::string(129, 'a')));
}

}  // namespace
}  // namespace onair::auth
