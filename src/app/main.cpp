// onair: the command line. `serve` runs the server; `token` and `url` mint client tokens
// and signed media URLs with the same keys the server uses.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <optional>

#include "app/secrets.hpp"
#include "app/serve.hpp"
#include "auth/stream_signer.hpp"
#include "auth/token.hpp"
#include "core/config.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

extern char** environ;

namespace {

std::optional<onair::Config> load(const std::string& path, bool& created) {
  // One line for every ONAIR_* variable that is not an override (a typo such as
  // ONAIR_HTTP_ADDR would otherwise go unnoticed); names only, never values.
  if (auto ignored = onair::ignored_env(environ); !ignored.empty()) {
    std::cerr << "onair: ignoring " << fmt::format("{}", fmt::join(ignored, ", "))
              << ": not config overrides (ONAIR_<SECTION>__<KEY>, or ONAIR_NODE_ID, ONAIR_DATA_DIR,"
                 " ONAIR_THREADS, ONAIR_WORKERS)\n";
  }
  auto config = onair::load_config(path, environ);
  if (!config) {
    std::cerr << "onair: " << config.error().message() << "\n";
    return std::nullopt;
  }
  try {
    created = onair::app::ensure_secrets(*config).created;
  } catch (const std::exception& e) {
    std::cerr << "onair: " << e.what() << "\n";
    return std::nullopt;
  }
  // Checked again once generated keys are filled in (one may come from the config, the
  // other from the data dir): with one key a play URL would publish in expiry mode.
  if (config->media.play_key == config->media.key) {
    std::cerr << "onair: media.play_key: must differ from media.key\n";
    return std::nullopt;
  }
  return std::move(*config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onair: a self-hosted interactive live-streaming server"};
  app.require_subcommand(1);
  std::string config_path;
  app.add_option("-c,--config", config_path, "YAML config file (every key has a default)");

  auto* serve = app.add_subcommand("serve", "Run the server");
  uint32_t threads = 0;
  serve->add_option("-c,--config", config_path, "YAML config file");
  serve->add_option("--threads", threads, "Event loops (default: one per core)");

  auto* token = app.add_subcommand("token", "Mint a client token (JWT)");
  std::string user, name, room = "*", role = "member";
  int64_t ttl = 3600;
  bool admin = false, no_publish = false, no_chat = false, no_subscribe = false;
  token->add_option("-c,--config", config_path, "YAML config file");
  token->add_option("--user", user, "User id")->required();
  token->add_option("--name", name, "Display name");
  token->add_option("--room", room, "Room id, or * for all rooms");
  token->add_option("--role", role, "anchor | cohost | audience | member");
  token->add_option("--ttl", ttl, "Lifetime in seconds");
  token->add_flag("--admin", admin, "Grant admin");
  token->add_flag("--no-publish", no_publish, "Deny publishing");
  token->add_flag("--no-subscribe", no_subscribe, "Deny subscribing");
  token->add_flag("--no-chat", no_chat, "Deny chat");

  auto* url = app.add_subcommand("url", "Sign a media URL (media.auth)");
  std::string stream, action = "publish", host, scheme = "rtmp";
  int64_t url_ttl = 0;
  url->add_option("-c,--config", config_path, "YAML config file");
  url->add_option("--stream", stream, "Stream name (e.g. <room>-<user>)")->required();
  url->add_option("--action", action, "publish | play");
  url->add_option("--scheme", scheme, "rtmp | flv | hls | whip | whep | query");
  url->add_option("--host", host, "host[:port] for the URL (default from the config)");
  url->add_option("--ttl", url_ttl, "Lifetime in seconds (default media.url_ttl_s)");

  app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (app.got_subcommand("version")) {
    fmt::print("onair 0.1.0\n");
    return 0;
  }
  bool created = false;
  auto config = load(config_path, created);
  if (!config) return 2;

  if (serve->parsed()) {
    if (threads) config->threads = threads;
    onair::setup_logging(config->log.level);
    return onair::app::serve(std::move(*config), created);
  }

  if (token->parsed()) {
    if (!onair::auth::valid_user_id(user)) {
      std::cerr << "onair: --user must be 1..64 of [A-Za-z0-9_.@-]\n";
      return 2;
    }
    if (onair::has_control_chars(name)) {
      std::cerr << "onair: --name must not contain control characters\n";
      return 2;
    }
    if (!onair::auth::valid_role(role)) {
      std::cerr << "onair: --role must be anchor, cohost, audience or member\n";
      return 2;
    }
    if (ttl < 1 || ttl > config->auth.max_token_ttl_s) {
      std::cerr << "onair: --ttl must be 1.." << config->auth.max_token_ttl_s << "\n";
      return 2;
    }
    onair::auth::TokenKeys keys(config->auth.keys);
    onair::auth::Claims c;
    c.sub = user;
    c.name = name;
    c.grants = onair::auth::grants_for_role(role);
    c.grants.room = room;
    c.grants.admin = admin;
    if (no_publish) c.grants.publish = false;
    if (no_subscribe) c.grants.subscribe = false;
    if (no_chat) c.grants.chat = false;
    c.iat = onair::unix_s();
    c.exp = c.iat + ttl;
    fmt::print("{}\n", keys.sign(c));
    return 0;
  }

  if (url->parsed()) {
    if (!onair::auth::valid_stream_name(stream)) {
      std::cerr << "onair: --stream must be 1..128 of [A-Za-z0-9_.@-]\n";
      return 2;
    }
    if (action != "publish" && action != "play") {
      std::cerr << "onair: --action must be publish or play\n";
      return 2;
    }
    auto mode = onair::auth::parse_sign_mode(config->media.auth);
    onair::auth::StreamSigner signer(*mode, config->media.key, config->media.play_key);
    auto act = action == "publish" ? onair::auth::StreamAction::publish : onair::auth::StreamAction::play;
    int64_t expire = onair::unix_s() + (url_ttl > 0 ? url_ttl : config->media.url_ttl_s);
    std::string q = signer.query(stream, act, expire);
    auto with_q = [&](std::string base) { return q.empty() ? base : base + "?" + q; };
    auto hp = [&](const std::string& addr) {
      auto split = onair::split_host_port(addr);
      std::string h = split && split->first != "0.0.0.0" && split->first != "::" ? split->first : "127.0.0.1";
      return fmt::format("{}:{}", h, split ? split->second : 0);
    };
    std::string http_host = host.empty() ? hp(config->http.addr) : host;
    std::string rtmp_host = host.empty() ? hp(config->rtmp.addr) : host;
    if (scheme == "rtmp") fmt::print("{}\n", with_q("rtmp://" + rtmp_host + "/live/" + stream));
    else if (scheme == "flv") fmt::print("{}\n", with_q("http://" + http_host + "/live/" + stream + ".flv"));
    else if (scheme == "hls") fmt::print("{}\n", with_q("http://" + http_host + "/live/" + stream + ".m3u8"));
    else if (scheme == "whip") fmt::print("{}\n", with_q("http://" + http_host + "/v1/whip/" + stream));
    else if (scheme == "whep") fmt::print("{}\n", with_q("http://" + http_host + "/v1/whep/" + stream));
    else if (scheme == "query") fmt::print("{}\n", q);
    else {
      std::cerr << "onair: --scheme must be rtmp, flv, hls, whip, whep or query\n";
      return 2;
    }
    return 0;
  }
  return 0;
}
