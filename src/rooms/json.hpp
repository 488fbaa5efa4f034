#pragma once
// JSON shapes of the room model (API.md "Rooms", "Seats", "PK", "Gifts"), without media
// URLs: the API layer adds the signed URLs a particular caller may see.
#include <boost/json/object.hpp>

#include "rooms/model.hpp"

namespace onair::rooms {

boost::json::object seat_json(const Seat& s);
boost::json::object pk_json(const Pk& p);
boost::json::object gift_json(const Gift& g);
boost::json::object member_json(const MemberView& m);
boost::json::object offer_json(const Offer& o);
// `seats` and `pk` are filled from the view; the caller may decorate them.
boost::json::object room_json(const RoomView& v);

}  // namespace onair::rooms
