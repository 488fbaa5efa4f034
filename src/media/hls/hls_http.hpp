#pragma once
// HLS playback over HTTP: GET /live/<stream>.m3u8 and /live/<stream>-<seq>.ts, answered from
// the HlsService's memory (no files, no thread per request). With media.play_auth the
// playlist needs a signed URL, and its segment URLs carry the same signature.
//
// Each request tells the stream HLS is wanted (Stream::want_hls: a WebRTC stream's bridge
// feeds the segmenter only then). A playlist request for a published stream whose first
// segment is not cut yet, or whose playlist is old (no new segment for three segment
// lengths: the bridge slept), waits for a new one, up to twice hls.segment_s plus 5 s (at
// most 25 s), on a timer of the request's own coroutine: players get the live edge, not a
// 404 or old media, right after a publish starts or the bridge wakes up.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "http/router.hpp"
#include "media/hls/hls.hpp"
#include "media/stream/stream_access.hpp"

namespace onair::hls {

// Serves `file` (what follows /live/): a playlist or a segment, else 404.
boost::asio::awaitable<http::Response> serve_hls(const HlsService& hls, const media::StreamHub& hub,
                                                 const media::StreamAccess& access, double segment_s,
                                                 const http::Request& req, const std::string& file);

}  // namespace onair::hls
