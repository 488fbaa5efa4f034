#include "auth/token.hpp"

#include <gtest/gtest.h>

#include "auth/crypto.hpp"

namespace onair::auth {
namespace {

const std::map<std::string, std::string> kKeys{{"k1", "0123456789abcdef0123"},
                                               {"k2", "fedcba9876543210fedc"}};

// A token made by an independent implementation (Python hmac + base64).
constexpr const char* kFixedToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0."
    "eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JhbnRzIjp7InJvb20iOiI0MiIsInJvbGUiOiJhbmNob3IiLCJhZG1pbiI6ZmFsc2V9fQ."
    "cz5rnVncniTNtX-fiYCDpnKGScy5vkh73vJckJM9tVo";

TEST(Token, VerifiesAFixedVector) {
  TokenKeys keys(kKeys);
  auto c = keys.verify(kFixedToken, 1700000000, 30);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->sub, "alice");
  EXPECT_EQ(c->kid, "k1");
  EXPECT_EQ(c->exp, 4102444800);
  EXPECT_EQ(c->grants.room, "42");
  EXPECT_EQ(c->grants.role, "anchor");
  EXPECT_TRUE(c->grants.publish);  // defaulted for a non-audience role
  EXPECT_FALSE(c->grants.admin);
}

TEST(Token, RoundTripsEveryClaim) {
  TokenKeys keys(kKeys);
  Claims c;
  c.sub = "bob";
  c.name = "Bob B";
  c.iat = 100;
  c.nbf = 100;
  c.exp = 1000;
  c.grants = {"7", "audience", false, true, false, false};
  auto token = keys.sign(c, "k2");
  auto back = keys.verify(token, 500, 0);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->sub, "bob");
  EXPECT_EQ(back->name, "Bob B");
  EXPECT_EQ(back->kid, "k2");
  EXPECT_EQ(back->grants.room, "7");
  EXPECT_EQ(back->grants.role, "audience");
  EXPECT_FALSE(back->grants.publish);
  EXPECT_TRUE(back->grants.subscribe);
  EXPECT_FALSE(back->grants.chat);
}

TEST(Token, RefusesExpiredAndNotYetValidTokensOutsideLeeway) {
  TokenKeys keys(kKeys);
  Claims c{"u", "", 0, 200, 1000, {}, ""};
  auto token = keys.sign(c);
  EXPECT_TRUE(keys.verify(token, 1020, 30));
  auto expired = keys.verify(token, 1031, 30);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code(), ErrorCode::unauthenticated);
  EXPECT_EQ(expired.error().message(), "token expired");
  EXPECT_TRUE(keys.verify(token, 180, 30));
  auto early = keys.verify(token, 100, 30);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message(), "token not yet valid");
}

TEST(Token, RefusesForgedSignaturesUnknownKidsAndOtherAlgorithms) {
  TokenKeys keys(kKeys);
  std::string t = kFixedToken;
  // Flip one signature character.
  std::string forged = t;
  char& ch = forged[forged.size() - 5];
  ch = ch == 'A' ? 'B' : 'A';
  EXPECT_EQ(keys.verify(forged, 0, 0).error().message(), "token signature is invalid");
  // Same payload signed with another secret.
  TokenKeys other(std::map<std::string, std::string>{{"k1", "another-secret-of-20c"}});
  Claims c{"alice", "", 0, 0, 4102444800, {}, ""};
  EXPECT_FALSE(keys.verify(other.sign(c), 0, 0));
  // Unknown kid.
  TokenKeys unknown(std::map<std::string, std::string>{{"k9", "0123456789abcdef0123"}});
  EXPECT_EQ(keys.verify(unknown.sign(c), 0, 0).error().message(), "token signed by an unknown key");
  // alg none.
  std::string none = base64url_encode(R"({"alg":"none","kid":"k1"})") + "." +
                     base64url_encode(R"({"sub":"alice","exp":4102444800})") + ".";
  EXPECT_FALSE(keys.verify(none, 0, 0));
}

TEST(Token, RefusesMalformedInputWithoutCrashing) {
  TokenKeys keys(kKeys);
  for (const char* bad : {"", ".", "..", "a.b.c", "a.b", "a.b.c.d", "!!!.???.***",
                          "eyJhbGciOiJIUzI1NiJ9.e30.", "e30.e30.e30"}) {
    auto r = keys.verify(bad, 0, 0);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::unauthenticated);
  }
}

TEST(Token, RefusesWrongClaimTypes) {
  TokenKeys keys(kKeys);
  auto make = [](const std::string& payload) {
    std::string input = base64url_encode(R"({"alg":"HS256","kid":"k1"})") + "." +
                        base64url_encode(payload);
    return input + "." + base64url_encode(hmac_sha256("0123456789abcdef0123", input));
  };
  EXPECT_TRUE(keys.verify(make(R"({"sub":"a","exp":4102444800})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":1,"exp":4102444800})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a b","exp":4102444800})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a","exp":"soon"})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a"})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a","exp":4102444800,"grants":[]})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a","exp":4102444800,"grants":{"admin":"yes"}})"), 0, 0));
  EXPECT_FALSE(keys.verify(make(R"({"sub":"a","exp":4102444800,"grants":{"role":"king"}})"), 0, 0));
}

TEST(Token, RefusesNamesWithControlCharacters) {
  TokenKeys keys(kKeys);
  auto make = [](const std::string& payload) {
    std::string input = base64url_encode(R"({"alg":"HS256","kid":"k1"})") + "." +
                        base64url_encode(payload);
    return input + "." + base64url_encode(hmac_sha256("0123456789abcdef0123", input));
  };
  EXPECT_TRUE(keys.verify(make(R"({"sub":"a","name":"Ann \u00e9","exp":4102444800})"), 0, 0));
  for (const char* name : {R"(A\u0000nn)", R"(A\nB)", R"(A\tB)", R"(\u001b[2J)", R"(A\u007f)", R"(A\u0085)"}) {
    auto r = keys.verify(make(std::string(R"({"sub":"a","exp":4102444800,"name":")") + name + "\"}"), 0, 0);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::unauthenticated);
    EXPECT_EQ(r.error().message(), "token name has control characters");
  }
}

TEST(Crypto, Base64UrlRoundTripsAndRejectsJunk) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)}) {
    auto d = base64url_decode(base64url_encode(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("ab+/"));
}

}  // namespace
}  // namespace onair::auth
