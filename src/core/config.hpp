#pragma once
// Config: every setting of onair, one struct per YAML section, each key defaulted so that
// `onair serve` runs with no file. Loaded from YAML, then ONAIR_<SECTION>__<KEY> environment
// variables (and ONAIR_NODE_ID, ONAIR_DATA_DIR, ONAIR_THREADS, ONAIR_WORKERS for the top-level
// keys) override single keys; other ONAIR_* variables are not config and are left alone.
// Parsing validates; an error names the key.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace onair {

struct LogConfig {
  std::string level = "info";  // trace|debug|info|warn|error
  bool access = true;          // one line per HTTP request
};

struct HttpConfig {
  std::string addr = "0.0.0.0:8080";
  std::string public_url;  // e.g. https://live.example.com; empty: from the Host header
  uint32_t max_header_bytes = 8 * 1024;
  uint32_t max_body_bytes = 1024 * 1024;
  uint32_t idle_timeout_s = 60;     // keep-alive connection with no request
  uint32_t request_timeout_s = 30;  // reading one request
  std::string cors_origin = "*";    // Access-Control-Allow-Origin; empty disables CORS
};

struct RtmpConfig {
  std::string addr = "0.0.0.0:1935";
  std::string public_url;  // e.g. rtmp://live.example.com:1935; empty: Host header + port
  uint32_t max_message_bytes = 16 * 1024 * 1024;
  uint32_t timeout_s = 30;  // handshake, and silence from a publisher
  // Until its publish or play is accepted a connection may hold this much unparsed input
  // and partial messages, and must get there within auth_timeout_s of connecting.
  uint32_t preauth_bytes = 64 * 1024;
  uint32_t auth_timeout_s = 10;
  // After that: partial messages and unparsed input per connection, and over all connections.
  uint32_t max_buffer_bytes = 20 * 1024 * 1024;
  uint64_t max_inflight_bytes = 256 * 1024 * 1024;
};

struct SmsConfig {
  bool enabled = false;
  std::string sender = "log";  // log | http
  std::string url;             // for the http sender: POST {phone, code}
  uint32_t code_ttl_s = 300;
  uint32_t phone_interval_s = 60;  // one code per phone per interval
  uint32_t phone_per_hour = 5;
  uint32_t ip_per_hour = 20;
  uint32_t max_attempts = 5;  // wrong codes before the code is void
  uint32_t token_ttl_s = 7 * 24 * 3600;
};

struct AuthConfig {
  std::map<std::string, std::string> keys;  // API key -> secret
  uint32_t leeway_s = 30;                   // clock skew allowed on exp/nbf
  uint32_t max_token_ttl_s = 30 * 24 * 3600;
  SmsConfig sms;
};

struct RoomsConfig {
  uint32_t member_timeout_s = 20;
  uint32_t idle_room_timeout_s = 30;
  uint32_t anchor_gone_timeout_s = 60;
  uint32_t default_max_members = 4;  // meetings
  uint32_t default_max_seats = 4;    // co-host seats of a live room
  uint32_t max_meeting_members = 16;
  uint32_t max_live_seats = 16;
  uint32_t live_max_members = 100000;  // audience cap of a live room
  uint32_t seat_offer_timeout_s = 30;  // seat requests and invitations
  uint32_t kick_ban_s = 300;           // a kicked user may not rejoin for this long
  uint32_t max_title_chars = 128;
  uint32_t max_metadata_bytes = 4096;
};

struct PkConfig {
  uint32_t invite_timeout_s = 30;
  uint32_t duration_s = 300;
};

struct GiftItem {
  int64_t id = 0;
  std::string name;
  int64_t price = 0;
  std::string icon;
};

struct GiftsConfig {
  std::string payment_url;     // empty: gifts are free
  std::string payment_secret;  // signs payment calls; empty: the first API secret
  uint32_t payment_timeout_ms = 5000;
  uint32_t max_amount = 9999;
  std::vector<GiftItem> catalog{{1, "rose", 1, ""}};
};

struct MediaConfig {
  std::string auth = "hmac";  // none | expiry | hmac
  std::string key;            // signing key; generated into data_dir when empty
  std::string play_key;       // expiry mode signs play URLs with this; generated when empty
  bool play_auth = false;
  uint32_t url_ttl_s = 86400;
  bool takeover = false;                      // a new publisher replaces the current one
  uint32_t gop_max_bytes = 16 * 1024 * 1024;  // GOP cache bound per stream
  uint32_t queue_soft_bytes = 4 * 1024 * 1024;   // a player behind this drops to a keyframe
  uint32_t queue_hard_bytes = 16 * 1024 * 1024;  // and is closed beyond this
  uint32_t merge_ms = 33;  // gather frames this long per writev (CPU for latency); 0: at once
  uint32_t player_stall_s = 10;  // a player whose socket takes nothing this long is closed
  uint32_t audio_cache_ms = 1000;  // what a new player of an audio-only stream gets first
};

struct HlsConfig {
  double segment_s = 2;  // segments are cut at the first keyframe after this long
  uint32_t window = 6;   // segments in the playlist
  uint32_t dispose_s = 60;  // an ended stream's playlist and segments are dropped this long after
};

struct StoreConfig {
  std::string driver = "sqlite";
  std::string dsn;            // postgres (later)
  std::string sync = "full";  // sqlite synchronous: full | normal
};

struct WebhookConfig {
  std::string url;
  std::string secret;
  std::vector<std::string> events;  // empty: the events API.md lists
};

struct WebhookDelivery {
  uint32_t timeout_ms = 5000;
  uint32_t max_attempts = 12;
  uint32_t backoff_ms = 1000;        // first retry; doubles each time
  uint32_t max_backoff_ms = 300000;  // five minutes
};

struct RealtimeConfig {
  uint32_t auth_timeout_ms = 5000;
  uint32_t idle_timeout_s = 60;
  uint32_t batch_ms = 20;
  uint32_t batch_max = 100;
  uint32_t history = 1000;
  uint32_t max_text = 500;
  uint32_t max_frame = 16 * 1024;
  uint32_t sample_above = 10000;
  uint32_t room_rate = 50;
  uint32_t inbox_ttl_s = 300;
  uint32_t inbox_max = 200;          // messages kept per user
  uint32_t user_rate = 5;            // messages per second per user per room ...
  uint32_t user_burst = 10;          // ... with bursts of this many
  uint32_t ping_interval_s = 20;     // server WebSocket pings
  uint32_t max_subscriptions = 32;   // rooms per connection
  uint32_t queue_bytes = 256 * 1024;        // per connection; beyond: oldest batches dropped, gap
  uint32_t queue_hard_bytes = 1024 * 1024;  // beyond even that: close 4008
  std::vector<std::string> words;    // word filter; empty: none
  std::string filter = "mask";       // mask | reject
};

struct WebRtcConfig {
  bool enabled = true;
  std::string udp_addr = "0.0.0.0:8000";  // ICE-lite on UDP, and ICE-TCP passive on the same port
  std::vector<std::string> public_ips;    // candidates; empty: the host's own addresses
  bool udp = true;                        // offer UDP candidates (off: TCP only, for tests and odd networks)
  bool tcp = true;                        // also offer a passive TCP candidate (RFC 6544)
  std::vector<std::string> ice_servers;   // STUN/TURN URLs announced in WHIP/WHEP Link headers
  uint32_t consent_timeout_s = 30;        // a peer silent this long is closed (RFC 7675)
  uint32_t connect_timeout_s = 30;        // from the answer until DTLS is up
  std::vector<std::string> video_codecs = {"VP8", "H264"};  // preference order
  uint32_t keyframe_request_ms = 500;     // PLI/FIR to a publisher at most this often
  uint32_t packet_cache = 1024;           // video packets kept per track to answer NACKs
  uint32_t max_sessions = 2000;           // WHIP + WHEP sessions on this node
  uint32_t drop_inbound_every = 0;        // tests only: lose every Nth media packet from publishers
  uint32_t drop_outbound_every = 0;       // tests only: lose every Nth video packet to viewers
};

// The bridge between WebRTC and RTMP/HTTP-FLV/HLS (media/bridge/).
struct BridgeConfig {
  uint32_t jitter_ms = 150;   // a missing WHIP packet is waited for this long, then its frame dropped
  uint32_t aac_kbps = 128;    // Opus -> AAC for RTMP, FLV and HLS players of a WHIP stream
  uint32_t opus_kbps = 64;    // AAC -> Opus for WHEP viewers of an RTMP stream
  uint32_t threads = 1;       // worker threads for codec work (never on an event loop)
  std::string vp8_transcode = "on_demand";  // on_demand | off: VP8 -> H.264 for non-WebRTC players
  uint32_t h264_kbps = 2000;                // what VP8 becomes (libx264, zerolatency)
  std::string h264_preset = "veryfast";     // x264 preset for that
};

struct Config {
  uint32_t node_id = 1;
  std::string data_dir = "./onair-data";
  uint32_t threads = 0;  // 0: one event loop per core
  uint32_t workers = 4;  // blocking work: store reads, outbound HTTP
  LogConfig log;
  HttpConfig http;
  RtmpConfig rtmp;
  AuthConfig auth;
  RoomsConfig rooms;
  PkConfig pk;
  GiftsConfig gifts;
  MediaConfig media;
  HlsConfig hls;
  StoreConfig store;
  std::vector<WebhookConfig> webhooks;
  WebhookDelivery webhook_delivery;
  RealtimeConfig realtime;
  WebRtcConfig webrtc;
  BridgeConfig bridge;
};

// Loads `path` (empty: defaults only), then applies `environ`-style overrides
// (ONAIR_HTTP__ADDR=...). Errors name the key: "http.max_body_bytes: not a number".
Result<Config> load_config(const std::string& path, char** environ_vars);

// Parses YAML text (tests and load_config).
Result<Config> parse_config(const std::string& yaml_text, char** environ_vars);

// The names of the ONAIR_* variables in `environ_vars` that are not config overrides and so
// were ignored (to warn about: likely a typo such as ONAIR_HTTP_ADDR). ONAIR_TOKEN, the admin
// token the first start prints for the shell, is not listed.
std::vector<std::string> ignored_env(char** environ_vars);

// Splits "host:port" ("[::1]:80" too). Port must be 0..65535.
Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& addr);

}  // namespace onair
