#include "auth/stream_signer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace onair::auth {
namespace {

// Vectors computed independently (Python hashlib/hmac) for key "s3cret-key", play key
// "pl4y-key", stream "12345-alice", expiry 0x6a000000.
constexpr int64_t kExpire = 0x6a000000;
constexpr const char* kPlayKey = "pl4y-key";
constexpr const char* kPublishSign = "3ac5774b45e66362515362a55c930e63";  // md5(key + ...)
constexpr const char* kPlaySign = "590d8e218676128b7bd754c02055295c";     // md5(play key + ...)

TEST(StreamSigner, ExpiryModeIsMd5OfTheActionsKeyStreamAndHexExpiry) {
  StreamSigner s(SignMode::expiry, "s3cret-key", kPlayKey);
  EXPECT_EQ(s.query("12345-alice", StreamAction::publish, kExpire),
            std::string("expire=6a000000&sign=") + kPublishSign);
  // The CDN scheme's signature has no action: play URLs are signed with the play key.
  EXPECT_EQ(s.query("12345-alice", StreamAction::play, kExpire),
            std::string("expire=6a000000&sign=") + kPlaySign);
}

TEST(StreamSigner, ExpiryModePlayUrlNeverPublishesAndPublishUrlNeverPlays) {
  StreamSigner s(SignMode::expiry, "s3cret-key", kPlayKey);
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::play, "6a000000", kPlaySign, kExpire - 10));
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::publish, "6a000000", kPublishSign, kExpire - 10));
  auto hijack = s.verify("12345-alice", StreamAction::publish, "6a000000", kPlaySign, kExpire - 10);
  ASSERT_FALSE(hijack);
  EXPECT_EQ(hijack.error().code(), ErrorCode::permission_denied);
  EXPECT_EQ(hijack.error().message(), "signature does not match");
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::play, "6a000000", kPublishSign, kExpire - 10));
}

TEST(StreamSigner, ExpiryModeNeedsADistinctPlayKey) {
  EXPECT_THROW(StreamSigner(SignMode::expiry, "s3cret-key"), std::invalid_argument);
  EXPECT_THROW(StreamSigner(SignMode::expiry, "s3cret-key", "s3cret-key"), std::invalid_argument);
  EXPECT_NO_THROW(StreamSigner(SignMode::hmac, "s3cret-key"));
  EXPECT_NO_THROW(StreamSigner(SignMode::none, ""));
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
  StreamSigner s(SignMode::expiry, "s3cret-key", kPlayKey);
  auto sign = kPublishSign;
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::publish, "6a000000", sign, kExpire - 10));
  EXPECT_TRUE(s.verify("12345-alice", StreamAction::publish, "6a000000",
                       "3AC5774B45E66362515362A55C930E63", kExpire - 10));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::publish, "6A000000", sign, kExpire - 10));
  EXPECT_FALSE(s.verify("12345-alice", StreamAction::publish, "6a000000", sign, kExpire + 1));
}

// The expire value is parsed before any signature is checked, from any client: values that
// would overflow int64 (undefined behaviour; the sanitizer build aborts) are malformed.
TEST(StreamSigner, RefusesExpireValuesThatOverflowOrAreTooLong) {
  StreamSigner expiry(SignMode::expiry, "s3cret-key", kPlayKey);
  StreamSigner hmac(SignMode::hmac, "s3cret-key");
  auto malformed = [](const StreamSigner& s, const std::string& expire) {
    auto r = s.verify("12345-alice", StreamAction::publish, expire, kPublishSign, 0);
    return !r && r.error().code() == ErrorCode::permission_denied && r.error().message() == "malformed expire";
  };
  EXPECT_TRUE(malformed(expiry, "ffffffffffffffff"));   // 16 hex digits: 2^64 - 1
  EXPECT_TRUE(malformed(expiry, "FFFFFFFFFFFFFFFF"));
  EXPECT_TRUE(malformed(expiry, "8000000000000000"));   // INT64_MAX + 1
  EXPECT_TRUE(malformed(expiry, "10000000000000000"));  // 17 digits
  EXPECT_TRUE(malformed(expiry, "00000000000000001"));  // 17 digits, small value
  EXPECT_TRUE(malformed(expiry, "-1"));
  EXPECT_TRUE(malformed(hmac, "9223372036854775808"));  // INT64_MAX + 1
  EXPECT_TRUE(malformed(hmac, "9223372036854775807"));  // 19 digits: too long
  EXPECT_TRUE(malformed(hmac, "18446744073709551615"));
  EXPECT_TRUE(malformed(hmac, "12345678901234567"));    // 17 digits
  EXPECT_TRUE(malformed(hmac, "6a000000"));             // hex in decimal mode
  EXPECT_TRUE(malformed(hmac, "+1778384896"));
  // The largest values that fit are parsed, and then only the signature decides.
  auto max_hex = expiry.verify("12345-alice", StreamAction::publish, "7fffffffffffffff",
                               "15395635818aa2b359f1f3dd67ae311a", kExpire);
  EXPECT_TRUE(max_hex) << max_hex.error().message();
  auto sixteen = hmac.verify("12345-alice", StreamAction::publish, "9999999999999999", "00", 0);
  ASSERT_FALSE(sixteen);
  EXPECT_EQ(sixteen.error().message(), "signature does not match");
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
