#include "ctl/accounts/commands.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ctl/target/pool.h"
#include "ctl/target/standalone.h"
#include "store/accounts.h"

namespace pchat::ctl {

namespace {

// --- Password input ----------------------------------------------------------------

// The terminal settings to put back if SIGINT/SIGTERM arrive while echo is off. A
// file-level static because a signal handler can reach nothing else; set and
// cleared only by EchoOff.
struct termios g_saved_termios;

void restore_terminal_and_die(int sig) {
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Turns terminal echo off for its lifetime (and back on if interrupted).
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    struct sigaction sa {};
    sa.sa_handler = restore_terminal_and_die;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    struct termios t = g_saved_termios;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    t.c_lflag |= ECHONL;
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
  }
  ~EchoOff() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  bool active_ = false;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool read_line(std::string* line) {
  if (!std::getline(std::cin, *line)) return false;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

Result<std::string> prompt_password(const char* prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  bool got;
  {
    EchoOff echo_off;
    got = read_line(&line);
  }
  if (!got) {
    std::cerr << "\n";
    return make_error(ErrorKind::kInvalidInput, "no password entered");
  }
  return line;
}

Status check_not_empty(const std::string& password) {
  if (password.empty()) return make_error(ErrorKind::kInvalidInput, "the password is empty");
  return ok_status();
}

// --- Helpers ------------------------------------------------------------------------

// The store the command works on: the pool's store in use with a topology (never a
// data directory), else DIR's (created only when `create`).
Result<std::unique_ptr<PoolTarget>> open(const UserCommandContext& ctx, bool create) {
  if (!ctx.topology_file.empty()) {
    auto target = open_target({.topology_file = ctx.topology_file, .err = ctx.err});
    if (target && ctx.err != nullptr) {
      *ctx.err << "pchatctl: accounts of pool " << (*target)->topology->pool_fqdn << " in its "
               << (*target)->store_name << " store\n";
    }
    return target;
  }
  auto access = open_store({.data_dir = ctx.data_dir, .create_if_missing = create});
  if (!access) return access.error();
  if ((*access)->initialized_now()) {
    std::cerr << "pchatctl: initialized a new data directory at " << ctx.data_dir.string() << "\n";
  }
  auto target = std::make_unique<PoolTarget>();
  target->standalone = std::move(*access);
  return target;
}

}  // namespace

Result<std::string> read_new_password() {
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    if (!read_line(&line)) {
      return make_error(ErrorKind::kInvalidInput,
                        "no password on stdin (give it as the first line of stdin)");
    }
    auto st = check_not_empty(line);
    if (!st) return st.error();
    return line;
  }
  auto first = prompt_password("New password: ");
  if (!first) return first;
  auto st = check_not_empty(*first);
  if (!st) return st.error();
  auto second = prompt_password("Repeat the password: ");
  if (!second) return second;
  if (*first != *second) return make_error(ErrorKind::kInvalidInput, "the passwords do not match");
  return first;
}

Status user_add(const UserCommandContext& ctx, const std::string& name) {
  // Checked before anything else so that a bad name neither prompts nor creates DIR.
  auto valid = store::validate_account_name(name);
  if (!valid) return valid;
  auto password = read_new_password();
  if (!password) return password.error();
  auto target = open(ctx, /*create=*/true);
  if (!target) return target.error();
  auto st = store::create_account((*target)->mgc(), name, *password);
  if (!st) return st;
  *ctx.out << "created account '" << name << "'\n";
  return ok_status();
}

Status user_passwd(const UserCommandContext& ctx, const std::string& name) {
  // The store first: a missing DIR is reported before anyone types a password.
  auto target = open(ctx, /*create=*/false);
  if (!target) return target.error();
  auto password = read_new_password();
  if (!password) return password.error();
  auto st = store::set_password((*target)->mgc(), name, *password);
  if (!st) return st;
  *ctx.out << "changed the password of '" << name << "'\n";
  return ok_status();
}

Status user_remove(const UserCommandContext& ctx, const std::string& name) {
  auto target = open(ctx, /*create=*/false);
  if (!target) return target.error();
  auto st = store::remove_account((*target)->mgc(), name);
  if (!st) return st;
  *ctx.out << "removed account '" << name << "'\n";
  return ok_status();
}

Status user_list(const UserCommandContext& ctx, bool json) {
  auto target = open(ctx, /*create=*/false);
  if (!target) return target.error();
  auto accounts = store::list_accounts((*target)->mgc());
  if (!accounts) return accounts.error();
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& a : *accounts) {
      arr.push_back(
          {{"name", a.name}, {"display_name", a.display_name}, {"created_at", a.created_at}});
    }
    *ctx.out << arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return ok_status();
  }
  size_t width = 0;
  for (const auto& a : *accounts) width = std::max(width, a.display_name.size());
  for (const auto& a : *accounts) {
    *ctx.out << a.display_name << std::string(width - a.display_name.size() + 2, ' ')
             << a.created_at << "\n";
  }
  return ok_status();
}

Status operator_hash(std::ostream& out) {
  auto password = read_new_password();
  if (!password) return password.error();
  auto hash = store::hash_password(*password);
  if (!hash) return hash.error();
  out << *hash << "\n";
  return ok_status();
}

}  // namespace pchat::ctl
