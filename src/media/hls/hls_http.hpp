#pragma once
// HLS playback over HTTP: GET /live/<stream>.m3u8 and /live/<stream>-<seq>.ts, answered from
// the HlsService's memory (no files, no thread per request). With media.play_auth the
// playlist needs a signed URL, and its segment URLs carry the same signature.
#include <string>

#include "http/router.hpp"
#include "media/hls/hls.hpp"
#include "media/stream/stream_access.hpp"

namespace onair::hls {

// Serves `file` (what follows /live/): a playlist or a segment, else 404.
http::Response serve_hls(const HlsService& hls, const media::StreamHub& hub, const media::StreamAccess& access,
                         const http::Request& req, const std::string& file);

}  // namespace onair::hls
