#pragma once
// Route groups, one per API area; register_routes() adds them all.
#include "api/services.hpp"

namespace onair::api {

void register_room_routes(http::Router& router, Services& s);
void register_seat_routes(http::Router& router, Services& s);
void register_pk_routes(http::Router& router, Services& s);
void register_gift_routes(http::Router& router, Services& s);
void register_auth_routes(http::Router& router, Services& s);
void register_ops_routes(http::Router& router, Services& s);
void register_media_routes(http::Router& router, Services& s);
void register_realtime_routes(http::Router& router, Services& s);
void register_webrtc_routes(http::Router& router, Services& s);

}  // namespace onair::api
