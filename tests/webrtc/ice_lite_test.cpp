// IceLite answering Binding requests as a browser sends them (RFC 8445 7.3, RFC 8489).
#include "media/webrtc/ice_lite.hpp"

#include <gtest/gtest.h>

using namespace onair::webrtc;

namespace {

const stun::TransactionId kTx = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

stun::Address peer() {
  stun::Address a;
  a.ip = {127, 0, 0, 1};
  a.port = 50123;
  return a;
}

std::string request(std::string_view username, std::string_view pwd, bool nominate, bool controlled = false) {
  stun::Builder b(stun::kBinding, stun::Class::request, kTx);
  b.add(stun::attr::username, username);
  b.add_u32(stun::attr::priority, 1853824767);
  std::string tie(8, '\x07');
  b.add(controlled ? stun::attr::ice_controlled : stun::attr::ice_controlling, tie);
  if (nominate) b.add(stun::attr::use_candidate, "");
  return b.finish(pwd, true);
}

}  // namespace

TEST(IceLite, AnswersAValidCheckWithTheMappedAddressSignedWithOurPassword) {
  IceLite ice("srvU", "server-password-22chars", "brws");
  std::string req = request("srvU:brws", "server-password-22chars", true);
  auto m = stun::parse(req).value();
  EXPECT_EQ(IceLite::addressed_ufrag(m), "srvU");
  auto out = ice.on_stun(m, peer(), 1000);
  EXPECT_TRUE(out.accepted);
  EXPECT_TRUE(out.nominated);
  EXPECT_EQ(ice.last_consent_ms(), 1000);
  auto resp = stun::parse(out.response).value();
  EXPECT_EQ(resp.cls, stun::Class::success);
  EXPECT_EQ(resp.transaction, kTx);
  EXPECT_TRUE(stun::integrity_ok(resp, "server-password-22chars"));
  EXPECT_TRUE(stun::fingerprint_ok(resp));
  auto mapped = stun::parse_xor_address(resp.find(stun::attr::xor_mapped_address)->value, kTx);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(*mapped, peer());

  auto plain = ice.on_stun(stun::parse(request("srvU:brws", "server-password-22chars", false)).value(), peer(), 2000);
  EXPECT_TRUE(plain.accepted);
  EXPECT_FALSE(plain.nominated);
  EXPECT_EQ(ice.last_consent_ms(), 2000);
}

TEST(IceLite, RefusesWrongCredentialsWith401AndKeepsConsentAsItWas) {
  IceLite ice("srvU", "server-password-22chars", "brws");
  for (auto [user, pwd] : {std::pair{"srvU:brws", "another-password-xxxxx"}, std::pair{"srvU:evil", "server-password-22chars"},
                           std::pair{"othr:brws", "server-password-22chars"}}) {
    auto out = ice.on_stun(stun::parse(request(user, pwd, true)).value(), peer(), 5000);
    EXPECT_FALSE(out.accepted) << user;
    auto resp = stun::parse(out.response).value();
    EXPECT_EQ(resp.cls, stun::Class::error);
    ASSERT_NE(resp.find(stun::attr::error_code), nullptr);
    EXPECT_EQ(uint8_t(resp.find(stun::attr::error_code)->value[2]), 4);
    EXPECT_EQ(uint8_t(resp.find(stun::attr::error_code)->value[3]), 1);
  }
  EXPECT_EQ(ice.last_consent_ms(), 0);
}

TEST(IceLite, AnswersRoleConflictWhenThePeerIsControlledToo) {
  IceLite ice("srvU", "server-password-22chars", "brws");
  auto out = ice.on_stun(stun::parse(request("srvU:brws", "server-password-22chars", false, true)).value(), peer(), 1);
  EXPECT_FALSE(out.accepted);
  auto resp = stun::parse(out.response).value();
  EXPECT_EQ(uint8_t(resp.find(stun::attr::error_code)->value[3]), 87);
}

TEST(IceLite, MissingIntegrityIs400AndIndicationsGetNoAnswer) {
  IceLite ice("srvU", "server-password-22chars", "brws");
  stun::Builder b(stun::kBinding, stun::Class::request, kTx);
  b.add(stun::attr::username, "srvU:brws");
  auto out = ice.on_stun(stun::parse(b.finish(std::nullopt, true)).value(), peer(), 1);
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(uint8_t(stun::parse(out.response).value().find(stun::attr::error_code)->value[3]), 0);

  stun::Builder ind(stun::kBinding, stun::Class::indication, kTx);
  auto quiet = ice.on_stun(stun::parse(ind.finish(std::nullopt, true)).value(), peer(), 1);
  EXPECT_FALSE(quiet.accepted);
  EXPECT_TRUE(quiet.response.empty());
}
