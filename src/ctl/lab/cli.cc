// `pchatctl lab up|status|down|kill-dc|start-dc` (lab/commands.h).
#include <iostream>

#include "ctl/cli.h"
#include "ctl/lab/commands.h"

namespace pchat::ctl {

void add_lab_commands(Cli& cli) {
  LabArgs* s = &cli.keep<LabArgs>();
  // -- lab --
  auto* lab = cli.app.add_subcommand(
      "lab", "the whole two-datacenter topology on this machine (docs/lab.md)");
  lab->require_subcommand(1);
  auto add_dir = [s](CLI::App* c) {
    c->add_option("--dir", s->dir, "the lab directory")->required()->option_text("DIR");
  };
  auto* up = lab->add_subcommand(
      "up", "lay out and start every store, job and pchatd of datacenters A and B");
  add_dir(up);
  up->add_option("--servers-per-dc", s->servers_per_dc, "pchatd per datacenter (default 2)")
      ->option_text("N");
  up->add_flag("--allow-guests", s->allow_guests, "servers accept clients without an account");
  up->add_option("--users", s->users,
                 "create accounts user1..userN with random passwords, listed in DIR/users.txt")
      ->option_text("N");
  up->add_option(
        "--server-arg", s->server_args,
        "one more pchatd argument for every server (repeat; e.g. --server-arg=--flood-burst "
        "--server-arg=0)")
      ->allow_extra_args(false)
      ->option_text("ARG");
  up->add_option("--compliance-run-interval-ms", s->compliance_run_interval_ms,
                 "test only: the compliance service runs this often (overrides RunInterval)")
      ->option_text("MS");
  up->add_option("--mirror-mode", s->mirror_mode, "high-safety (default) or strict");
  up->add_option("--mirror-timeout", s->mirror_timeout_s,
                 "high safety: seconds before running exposed (default 5)")
      ->option_text("S");
  up->add_option("--auto-failover", s->auto_failover,
                 "automatic mirror failover on (default) or off at the start (mirror auto on|off)")
      ->option_text("on|off");
  up->add_option("--auto-failover-after", s->auto_failover_after_s,
                 "seconds without the primary before the mirror is promoted (default 1)")
      ->option_text("S");
  up->add_option("--wal-segsize", s->wal_segsize_mb,
                 "WAL segment size in MB, the unit log shipping moves (default 1: shipping "
                 "is seen at once; 16, PostgreSQL's default, for load)")
      ->option_text("MB");
  up->add_flag("--tls", s->tls,
               "a test CA and certificates in DIR/tls; every store link over TLS (PostgreSQL "
               "ssl on, hostssl with a client certificate only: plain TCP refused; sslmode "
               "verify-full), IRC over TLS too");
  up->callback([s, &cli] { cli.set_command([s] { return lab_up(*s, std::cout); }); });
  auto* lstatus =
      lab->add_subcommand("status", "every process of the lab: PID, running or not, address");
  add_dir(lstatus);
  lstatus->add_flag("--json", s->json, "print JSON");
  lstatus->callback([s, &cli] { cli.set_command([s] { return lab_status(*s, std::cout); }); });
  auto* down = lab->add_subcommand(
      "down", "stop every process the lab started (by PID); check no port is left");
  add_dir(down);
  down->callback([s, &cli] { cli.set_command([s] { return lab_down(*s, std::cout); }); });
  auto* kill_dc =
      lab->add_subcommand("kill-dc", "SIGKILL every process of a datacenter (a disaster)");
  add_dir(kill_dc);
  kill_dc->add_option("DC", s->dc, "A, B or W (the witness)")->required();
  kill_dc->callback([s, &cli] { cli.set_command([s] { return lab_kill_dc(*s, std::cout); }); });
  auto* start_dc =
      lab->add_subcommand("start-dc", "start a datacenter's processes again, as on disk");
  add_dir(start_dc);
  start_dc->add_option("DC", s->dc, "A, B or W (the witness)")->required();
  start_dc->callback([s, &cli] { cli.set_command([s] { return lab_start_dc(*s, std::cout); }); });
}

}  // namespace pchat::ctl
