// The README's first run, as a new user types it: a fresh `onair serve` prints an admin
// token; in one shell the user exports it and runs the README's next commands verbatim.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

extern char** environ;

namespace onair::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The lines of the first ```sh block under "## First run" in README.md.
std::vector<std::string> readme_first_run() {
  std::string readme = read_file(ONAIR_SOURCE_DIR "/README.md");
  size_t section = readme.find("\n## First run");
  if (section == std::string::npos) return {};
  size_t open = readme.find("```sh\n", section);
  size_t close = readme.find("\n```", open + 6);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> lines;
  std::istringstream in(readme.substr(open + 6, close - open - 6));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// `onair serve` in `dir` (data in its default ./onair-data) on free ports, as a user starts
// it: no ONAIR_* variables but the listen addresses.
class FreshServe {
 public:
  explicit FreshServe(const std::string& dir) : dir_(dir), port_(free_port()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::chdir(dir.c_str());
      std::vector<std::string> names;
      for (char** e = environ; *e != nullptr; ++e)
        if (std::string_view(*e).starts_with("ONAIR_"))
          names.emplace_back(std::string_view(*e).substr(0, std::string_view(*e).find('=')));
      for (const auto& n : names) ::unsetenv(n.c_str());
      ::setenv("ONAIR_HTTP__ADDR", ("127.0.0.1:" + std::to_string(port_)).c_str(), 1);
      ::setenv("ONAIR_RTMP__ADDR", ("127.0.0.1:" + std::to_string(free_port())).c_str(), 1);
      ::setenv("ONAIR_WEBRTC__UDP_ADDR", ("127.0.0.1:" + std::to_string(free_udp_port())).c_str(),
               1);
      int out = ::open("serve.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open("serve.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execl(ONAIR_BINARY, ONAIR_BINARY, "serve", nullptr);
      ::_exit(127);
    }
  }
  ~FreshServe() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  uint16_t port() const { return port_; }
  std::string out() const { return read_file(dir_ + "/serve.out"); }
  std::string err() const { return read_file(dir_ + "/serve.err"); }

 private:
  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

TEST(Cli, TheReadmesFirstRunWorksInOneShell) {
  std::string dir = ::testing::TempDir() + "onair-readme-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/build");
  // The README runs ./build/onair from the checkout: the same path, to this build's binary.
  std::filesystem::create_symlink(ONAIR_BINARY, dir + "/build/onair");

  std::vector<std::string> lines = readme_first_run();
  ASSERT_GE(lines.size(), 4u) << "README.md has no ```sh block under ## First run";
  ASSERT_EQ(lines[0].rfind("export ONAIR_TOKEN=...", 0), 0u) << lines[0];

  FreshServe serve(dir);
  std::smatch m;
  std::string printed;
  ASSERT_TRUE(eventually(
      [&] {
        printed = serve.out();
        return std::regex_search(printed, m,
                                 std::regex("\n *(export ONAIR_TOKEN=[A-Za-z0-9_.-]+)\n"));
      },
      20000))
      << "the first start printed no export line:\n"
      << printed << serve.err();
  std::string export_line = m[1];

  // The script: every README line as written, each in a group whose output is kept, with
  // only what the README leaves to the reader filled in: the printed token for `...`, this
  // server's port for 8080, and the room the curl created with alice for <room>-<user>.
  std::string script = "set -e -o pipefail\n";
  int step = 0;
  std::string room_step;
  for (std::string line : lines) {
    if (line.rfind("export ONAIR_TOKEN=...", 0) == 0) line = export_line + line.substr(22);
    line = std::regex_replace(line, std::regex("localhost:8080"),
                              "localhost:" + std::to_string(serve.port()));
    if (line.find("<room>-<user>") != std::string::npos) {
      ASSERT_FALSE(room_step.empty()) << "no room was created before: " << line;
      line = std::regex_replace(
          line, std::regex("<room>-<user>"),
          "\"$(grep -o '\"id\":\"[0-9]*\"' " + room_step + " | head -1 | cut -d'\"' -f4)-alice\"");
    }
    std::string out = "step" + std::to_string(++step) + ".out";
    if (line.find("/v1/rooms") != std::string::npos && room_step.empty()) room_step = out;
    script += "echo " + shell_quote("$ " + line) + "\n";
    script += "{ " + line + "\n} >" + out + " 2>&1 || { cat " + out + "; exit 1; }\ncat " + out +
              "\necho\n";
  }
  std::ofstream(dir + "/first_run.sh") << script;

  std::string cmd = "cd " + shell_quote(dir) +
                    " && env -i PATH=\"$PATH\" HOME=" + shell_quote(dir) +
                    " bash -c \"$(cat first_run.sh)\" 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out << "\n---- script:\n" << script;
  EXPECT_EQ(out.find("unknown key"), std::string::npos) << out;
  EXPECT_EQ(out.find("ignoring"), std::string::npos) << "no warning about ONAIR_TOKEN:\n" << out;

  // The curl made a live room, `onair token` printed a token the server takes, and `onair
  // url` a signed publish URL for that room's stream.
  std::smatch room;
  ASSERT_TRUE(std::regex_search(out, room, std::regex("\\{\"id\":\"([0-9]+)\",\"kind\":\"live\"")))
      << out;
  std::smatch token;
  ASSERT_TRUE(std::regex_search(
      out, token, std::regex("\n(eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)\n")))
      << out;
  EXPECT_EQ(http_call(serve.port(), "GET", "/v1/rooms/" + room[1].str(), "", token[1]).status, 200);
  EXPECT_TRUE(
      std::regex_search(out, std::regex("\nrtmp://127\\.0\\.0\\.1:1935/live/" + room[1].str() +
                                        "-alice\\?expire=[0-9]+&sign=[0-9a-f]{64}\n")))
      << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace onair::testing
