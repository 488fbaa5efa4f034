#include "rooms/json.hpp"

#include <boost/json.hpp>

namespace onair::rooms {
namespace json = boost::json;

json::object seat_json(const Seat& s) {
  return {{"user", s.user},
          {"index", s.index},
          {"live", s.live},
          {"audio_muted", s.audio_muted},
          {"video_muted", s.video_muted}};
}

json::object pk_json(const Pk& p) {
  json::object o{{"id", p.id},
                 {"rooms", json::array{json::string(p.room_a), json::string(p.room_b)}},
                 {"status", p.status},
                 {"scores", json::object{{"a", p.score_a}, {"b", p.score_b}}},
                 {"created_at", p.created_at},
                 {"started_at", p.started_at == 0 ? json::value(nullptr) : json::value(p.started_at)},
                 {"ends_at", p.ends_at == 0 ? json::value(nullptr) : json::value(p.ends_at)},
                 {"winner", p.winner.empty() ? json::value(nullptr) : json::value(p.winner)}};
  if (p.status == "inviting") o["expires_at"] = p.expires_at;
  if (!p.end_reason.empty()) o["end_reason"] = p.end_reason;
  return o;
}

json::object gift_json(const Gift& g) {
  return {{"id", g.id},           {"biz_id", g.biz_id}, {"room", g.room_id},
          {"from", g.from_user},  {"from_name", g.from_name},
          {"to", g.to_user},      {"gift_id", g.gift_id}, {"amount", g.amount},
          {"value", g.value},     {"created_at", g.created_at}};
}

json::object member_json(const MemberView& m) {
  json::object o{{"user", m.user}, {"name", m.name}, {"role", m.role}, {"joined_at", m.joined_at}};
  if (m.muted_until != 0) o["muted_until"] = m.muted_until;
  return o;
}

json::object offer_json(const Offer& o) {
  return {{"user", o.user}, {"kind", o.kind}, {"expires_at", o.expires_at}};
}

json::object room_json(const RoomView& v) {
  json::array seats;
  for (const auto& s : v.seats) seats.push_back(seat_json(s));
  boost::system::error_code ec;
  json::value metadata = json::parse(v.rec.metadata, ec);
  if (ec || !metadata.is_object()) metadata = json::object();
  json::value pk = nullptr;
  if (v.pk) {
    auto o = pk_json(v.pk->pk);
    o["peer"] = json::object{{"room", v.pk->peer_room}, {"anchor", v.pk->peer_anchor}};
    pk = std::move(o);
  }
  return {{"id", v.rec.id},
          {"kind", v.rec.kind},
          {"title", v.rec.title},
          {"status", v.rec.status},
          {"owner", v.rec.owner},
          {"created_at", v.rec.created_at},
          {"online", v.online},
          {"max_members", v.rec.max_members},
          {"max_seats", v.rec.max_seats},
          {"likes", v.rec.likes},
          {"seats", std::move(seats)},
          {"pk", std::move(pk)},
          {"metadata", std::move(metadata)}};
}

}  // namespace onair::rooms
