#include "ctl/cmdlet/commands.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <vector>

#include "ctl/cmdlet/binder.h"
#include "ctl/cmdlet/cmdlet.h"
#include "ctl/cmdlet/specs.h"
#include "ctl/compliance/commands.h"
#include "ctl/dr/mirror.h"
#include "ctl/rooms/cmdlets.h"

namespace pchat::ctl {

namespace {

using cmdlet::BoundCall;
using cmdlet::Value;

// Scripts larger than this are refused (a runbook is a few kilobytes).
constexpr std::uintmax_t kMaxScriptBytes = 1024 * 1024;

Result<BoundCall> parse_and_bind(std::string_view line) {
  auto call = cmdlet::parse_cmdlet(line);
  if (!call) return call.error();
  auto spec = cmdlet::find_cmdlet(supported_cmdlets(), *call);
  if (!spec) return spec.error();
  auto bound = cmdlet::bind(*call, **spec);
  if (!bound) {
    Error e = bound.error();
    // In a POSIX shell an unquoted $null expands to nothing.
    if (std::any_of(call->params.begin(), call->params.end(),
                    [](const cmdlet::Param& p) {
                      return !p.name.empty() && p.value.is(Value::Kind::kSwitch) && !p.colon;
                    }) &&
        e.message.find("missing an argument") != std::string::npos)
      e.message += " (in a POSIX shell, quote '$null': unquoted it expands to nothing)";
    return e;
  }
  return bound;
}

// The compliance configuration is global (one per pool): -Identity may be omitted,
// "Global", or the pool's "service:..." identity.
Status run_compliance_cmdlet(const PoolCommandContext& ctx, const BoundCall& call, bool dry_run,
                             bool json) {
  std::string identity = call.string_or("Identity", "Global");
  std::string lower;
  for (char c : identity) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "global" && !lower.starts_with("service:")) {
    return make_error(ErrorKind::kInvalidInput,
                      "-Identity " + identity +
                          ": pchat keeps one compliance configuration per pool; use Global");
  }
  if (call.name == kGetComplianceCmdlet) return compliance_config_show(ctx, json);
  ComplianceSetArgs args{.dry_run = dry_run, .json = json};
  auto& e = args.edit;
  if (call.has("AdapterType")) e.adapter_type = call.string_or("AdapterType");
  if (call.has("AdapterName")) e.adapter_name = call.string_or("AdapterName");
  if (call.has("AdapterOutputDirectory")) {
    e.output_directory = call.string_or("AdapterOutputDirectory");
  }
  if (call.has("OneChatRoomPerOutputFile")) {
    e.one_chat_room_per_output_file = call.is_set("OneChatRoomPerOutputFile");
  }
  if (call.has("AddUserDetails")) e.add_user_details = call.is_set("AddUserDetails");
  if (call.has("AddChatRoomDetails")) e.add_chat_room_details = call.is_set("AddChatRoomDetails");
  if (call.has("RunInterval")) {
    auto seconds = compliance::parse_run_interval(call.string_or("RunInterval"));
    if (!seconds) return seconds.error();
    e.run_interval_s = *seconds;
  }
  return compliance_config_set(ctx, args);
}

// Install-CsMirrorDatabase (runbook step 6) -> pchatctl mirror install.
Status run_install_mirror(const PoolCommandContext& ctx, const BoundCall& call, bool dry_run) {
  std::string type = call.string_or("DatabaseType", "PersistentChat");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type != "persistentchat" && type != "persistentchatstore") {
    return make_error(ErrorKind::kInvalidInput,
                      std::string(kInstallMirrorCmdlet) + ": -DatabaseType " +
                          call.string_or("DatabaseType") +
                          ": pchat mirrors the chat store (PersistentChat) only");
  }
  if (ctx.topology_file.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      std::string(kInstallMirrorCmdlet) + " needs the topology (--topology FILE)");
  }
  MirrorArgs args;
  args.topology_file = ctx.topology_file.string();
  args.source = call.string_or("PrimaryStore");
  args.role = call.string_or("MirrorStore");
  args.drop_existing = call.is_set("DropExistingDatabasesOnMirror");
  args.dry_run = dry_run;
  return mirror_install(args, *ctx.out);
}

Status run_bound(const PoolCommandContext& ctx, const BoundCall& call, bool json) {
  if (is_room_cmdlet(call.name)) return run_room_cmdlet(ctx, call, json);
  std::string identity = call.string_or("Identity");
  if (call.has("Identity") && identity.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "empty identity (expected \"service:<pool fqdn>\")");
  }
  bool dry_run = call.is_set("WhatIf");
  if (call.name == kGetPoolStateCmdlet) {
    return pool_state_show(ctx, {.identity = identity, .json = json});
  }
  if (call.name == kSetPoolStateCmdlet) {
    return pool_set_state(ctx, {.identity = identity,
                                .state = call.string_or("PoolState"),
                                .force = call.is_set("Force"),
                                .dry_run = dry_run,
                                .json = json});
  }
  if (call.name == kGetActiveServerCmdlet) {
    return pool_active_servers(ctx, {.identity = identity, .json = json});
  }
  if (call.name == kSetActiveServerCmdlet) {
    PoolActiveServersArgs args{.identity = identity,
                               .swap = call.is_set("Swap"),
                               .force = call.is_set("Force"),
                               .dry_run = dry_run,
                               .json = json};
    const cmdlet::BoundParam* servers = call.find("ActiveServers");
    if (servers != nullptr) {
      const Value& v = servers->value;
      if (v.is(Value::Kind::kNull)) {
        args.clear = true;
      } else if (v.is(Value::Kind::kHashtable)) {
        const cmdlet::Hashtable& h = v.hashtable();
        if (h.add) args.add = *h.add;
        if (h.remove) args.remove = *h.remove;
        if (h.replace) args.set = *h.replace;
      } else {
        args.set = v.strings();
      }
    } else if (!args.swap) {
      return make_error(ErrorKind::kInvalidInput,
                        std::string(kSetActiveServerCmdlet) +
                            ": nothing to change: give -ActiveServers or -Swap");
    }
    return pool_active_servers(ctx, args);
  }
  if (call.name == kGetComplianceCmdlet || call.name == kSetComplianceCmdlet) {
    return run_compliance_cmdlet(ctx, call, dry_run, json);
  }
  if (call.name == kInstallMirrorCmdlet) return run_install_mirror(ctx, call, dry_run);
  return make_error(ErrorKind::kInternal, "no handler for cmdlet " + call.name);
}

}  // namespace

bool looks_like_cmdlet(std::string_view arg) {
  std::string_view first = arg.substr(0, arg.find_first_of(" \t"));
  auto call = cmdlet::parse_cmdlet(first);
  return !first.empty() && call.ok() && call->params.empty();
}

std::string join_cmdlet_args(std::span<const std::string> args) {
  std::string line;
  for (const auto& a : args) {
    if (!line.empty()) line += ' ';
    bool blank = a.empty() || a.find_first_of(" \t\n\r\v\f") != std::string::npos;
    if (!blank) {
      line += a;
      continue;
    }
    line += '\'';
    for (char c : a) {
      if (c == '\'') line += '\'';
      line += c;
    }
    line += '\'';
  }
  return line;
}

Status run_cmdlet_line(const PoolCommandContext& ctx, std::string_view line, bool json) {
  auto bound = parse_and_bind(line);
  if (!bound) return bound.error();
  return run_bound(ctx, *bound, json);
}

Status run_cmdlet_script(const PoolCommandContext& ctx, const std::filesystem::path& file,
                         bool json) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return make_error(ErrorKind::kNotFound, "cannot read " + file.string() + ": " + ec.message());
  if (size > kMaxScriptBytes) {
    return make_error(ErrorKind::kInvalidInput, file.string() + " is too large for a script");
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return make_error(ErrorKind::kUnavailable, "cannot read " + file.string());
  std::vector<std::string> lines = cmdlet::split_cmdlet_lines(text.str());
  std::vector<BoundCall> calls;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto bound = parse_and_bind(lines[i]);
    if (!bound) {
      return make_error(bound.error().kind, file.string() + ": command " + std::to_string(i + 1) +
                                                " (" + lines[i] + "): " + bound.error().message +
                                                "; nothing was run");
    }
    calls.push_back(std::move(*bound));
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!json) *ctx.out << "> " << lines[i] << "\n";
    if (auto st = run_bound(ctx, calls[i], json); !st) {
      return make_error(st.error().kind, file.string() + ": command " + std::to_string(i + 1) +
                                             " (" + lines[i] + "): " + st.error().message);
    }
  }
  return ok_status();
}

}  // namespace pchat::ctl
