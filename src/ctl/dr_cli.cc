#include "ctl/dr_cli.h"

#include <iostream>
#include <memory>

#include "ctl/lab_commands.h"
#include "ctl/logship_commands.h"
#include "ctl/mirror_commands.h"
#include "ctl/runbook_commands.h"
#include "ctl/witness_command.h"

namespace pchat::ctl {

namespace {

struct DrCliState {
  LabArgs lab;
  LogshipArgs logship;
  MirrorArgs mirror;
  RunbookArgs runbook;
};

}  // namespace

std::shared_ptr<void> add_dr_commands(CLI::App& app, const std::string& topology_file,
                                      std::function<void(std::function<Status()>)> set_command) {
  auto state = std::make_shared<DrCliState>();
  DrCliState* s = state.get();
  const std::string* topo = &topology_file;

  // -- lab --
  auto* lab =
      app.add_subcommand("lab", "the whole two-datacenter topology on this machine (docs/lab.md)");
  lab->require_subcommand(1);
  auto add_dir = [s](CLI::App* c) {
    c->add_option("--dir", s->lab.dir, "the lab directory")->required()->option_text("DIR");
  };
  auto* up = lab->add_subcommand(
      "up", "lay out and start every store, job and pchatd of datacenters A and B");
  add_dir(up);
  up->add_option("--servers-per-dc", s->lab.servers_per_dc, "pchatd per datacenter (default 2)")
      ->option_text("N");
  up->add_flag("--allow-guests", s->lab.allow_guests, "servers accept clients without an account");
  up->add_option("--users", s->lab.users,
                 "create accounts user1..userN with random passwords, listed in DIR/users.txt")
      ->option_text("N");
  up->add_option(
        "--server-arg", s->lab.server_args,
        "one more pchatd argument for every server (repeat; e.g. --server-arg=--flood-burst "
        "--server-arg=0)")
      ->allow_extra_args(false)
      ->option_text("ARG");
  up->add_option("--compliance-run-interval-ms", s->lab.compliance_run_interval_ms,
                 "test only: the compliance service runs this often (overrides RunInterval)")
      ->option_text("MS");
  up->add_option("--mirror-mode", s->lab.mirror_mode, "high-safety (default) or strict");
  up->add_option("--mirror-timeout", s->lab.mirror_timeout_s,
                 "high safety: seconds before running exposed (default 5)")
      ->option_text("S");
  up->add_option("--auto-failover", s->lab.auto_failover,
                 "automatic mirror failover on (default) or off at the start (mirror auto on|off)")
      ->option_text("on|off");
  up->add_option("--auto-failover-after", s->lab.auto_failover_after_s,
                 "seconds without the primary before the mirror is promoted (default 1)")
      ->option_text("S");
  up->add_option("--wal-segsize", s->lab.wal_segsize_mb,
                 "WAL segment size in MB, the unit log shipping moves (default 1: shipping "
                 "is seen at once; 16, PostgreSQL's default, for load)")
      ->option_text("MB");
  up->callback([s, set_command] { set_command([s] { return lab_up(s->lab, std::cout); }); });
  auto* lstatus =
      lab->add_subcommand("status", "every process of the lab: PID, running or not, address");
  add_dir(lstatus);
  lstatus->add_flag("--json", s->lab.json, "print JSON");
  lstatus->callback(
      [s, set_command] { set_command([s] { return lab_status(s->lab, std::cout); }); });
  auto* down = lab->add_subcommand(
      "down", "stop every process the lab started (by PID); check no port is left");
  add_dir(down);
  down->callback([s, set_command] { set_command([s] { return lab_down(s->lab, std::cout); }); });
  auto* kill_dc =
      lab->add_subcommand("kill-dc", "SIGKILL every process of a datacenter (a disaster)");
  add_dir(kill_dc);
  kill_dc->add_option("DC", s->lab.dc, "A, B or W (the witness)")->required();
  kill_dc->callback(
      [s, set_command] { set_command([s] { return lab_kill_dc(s->lab, std::cout); }); });
  auto* start_dc =
      lab->add_subcommand("start-dc", "start a datacenter's processes again, as on disk");
  add_dir(start_dc);
  start_dc->add_option("DC", s->lab.dc, "A, B or W (the witness)")->required();
  start_dc->callback(
      [s, set_command] { set_command([s] { return lab_start_dc(s->lab, std::cout); }); });

  // -- logship --
  auto* ls = app.add_subcommand(
      "logship", "log shipping: backup job, copy job, restore job, monitor (--topology)");
  ls->require_subcommand(1);
  auto with_topo = [s, topo](auto fn) {
    return [s, topo, fn] {
      s->logship.topology_file = *topo;
      return fn(s->logship, std::cout);
    };
  };
  auto* archive = ls->add_subcommand(
      "archive-wal", "the backup job: store one WAL file in the share (archive_command)");
  archive->add_option("PATH", s->logship.wal_path, "%p")->required();
  archive->add_option("NAME", s->logship.wal_name, "%f")->required();
  archive->callback([=] { set_command(with_topo(logship_archive_wal)); });
  auto* job = ls->add_subcommand(
      "copy-job", "the copy job: copy new files from the share, verified, every copy_interval_ms");
  job->add_flag("--once", s->logship.once, "one round, then exit");
  job->callback([=] { set_command(with_topo(logship_copy_job)); });
  auto* copy = ls->add_subcommand(
      "copy", "copy every file of the share not yet in the copy destination, verified (step 2)");
  copy->add_flag("--json", s->logship.json, "print JSON");
  copy->callback([=] { set_command(with_topo(logship_copy)); });
  auto* lss = ls->add_subcommand(
      "status", "the log-shipping monitor: last file per stage, lags, thresholds, alerts");
  lss->add_flag("--json", s->logship.json, "print JSON");
  lss->callback([=] { set_command(with_topo(logship_status)); });
  copy->add_flag("--dry-run", s->logship.dry_run, "list what would be copied; copy nothing");
  auto rtopo = [s, topo](auto fn) {
    return [s, topo, fn] {
      s->runbook.topology_file = *topo;
      return fn(s->runbook, std::cout);
    };
  };
  auto add_step_flags = [s](CLI::App* c) {
    c->add_flag("--dry-run", s->runbook.dry_run, "say what would happen; change nothing");
    c->add_flag("--force", s->runbook.force, "go on although the precondition fails");
  };
  auto* remove = ls->add_subcommand(
      "remove-secondary",
      "runbook step 1: stop the copy job and the restore job; the backup store stays a standby");
  add_step_flags(remove);
  remove->callback([=] { set_command(rtopo(runbook_remove_secondary)); });
  auto* apply = ls->add_subcommand(
      "apply",
      "runbook step 3: apply every copied file not yet applied, in order; refuse on a gap");
  add_step_flags(apply);
  apply->callback([=] { set_command(rtopo(runbook_apply)); });
  auto* init = ls->add_subcommand(
      "init-secondary", "(re)initialize the backup store from a base backup of the primary");
  init->callback([=] { set_command(with_topo(logship_init_secondary)); });

  // -- mirror --
  auto* mirror = app.add_subcommand("mirror", "the synchronous mirror of the primary (--topology)");
  mirror->require_subcommand(1);
  auto mtopo = [s, topo](auto fn) {
    return [s, topo, fn] {
      s->mirror.topology_file = *topo;
      return fn(s->mirror, std::cout);
    };
  };
  auto* install = mirror->add_subcommand(
      "install",
      "build a mirror from a base backup and make it synchronous (Install-CsMirrorDatabase)");
  install->add_option("--source", s->mirror.source,
                      "the store to mirror (default: the writable chat store)");
  install->add_option("--role", s->mirror.role, "the mirror's store role (default: its partner)");
  install->add_flag("--async", s->mirror.async, "leave it asynchronous");
  install->add_flag("--drop-existing", s->mirror.drop_existing,
                    "move an existing cluster of the mirror aside (never deleted) and rebuild it");
  install->add_flag("--dry-run", s->mirror.dry_run, "say what would happen; change nothing");
  install->callback([=] { set_command(mtopo(mirror_install)); });
  auto* mstatus =
      mirror->add_subcommand("status", "synchronized, catching-up, lost, exposed or blocked");
  mstatus->add_flag("--json", s->mirror.json, "print JSON");
  mstatus->callback([=] { set_command(mtopo(mirror_status)); });
  auto* monitor = mirror->add_subcommand(
      "monitor", "the high-safety watcher: exposed after mirroring.timeout_s, resync on return");
  monitor->add_option("--store", s->mirror.store,
                      "the store this agent sits beside (primary or mirror): the mirror agent of "
                      "automatic failover (guard, arbiter, rejoin)");
  monitor->callback(
      [=] { set_command(s->mirror.store.empty() ? mtopo(mirror_monitor) : mtopo(mirror_agent)); });
  auto* witness = mirror->add_subcommand(
      "witness", "the witness of automatic mirror failover (listens on mirroring.witness)");
  witness->add_option("--state", s->mirror.state_file,
                      "its state file (default: witness-state.json beside the topology)");
  witness->callback([=] { set_command(mtopo(mirror_witness)); });
  auto* mauto = mirror->add_subcommand(
      "auto", "automatic mirror failover on or off (maintenance), at the witness");
  auto onoff = std::make_shared<std::string>();
  mauto->add_option("state", *onoff, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  mauto->callback([=] {
    s->mirror.auto_enabled = *onoff == "on";
    set_command(mtopo(mirror_auto));
  });
  auto* mfailover = mirror->add_subcommand(
      "failover", "make the mirror the primary (planned: no loss; --force: primary dead)");
  mfailover->add_flag("--force", s->mirror.force,
                      "promote even if not synchronized or the primary is dead");
  mfailover->add_flag("--dry-run", s->mirror.dry_run, "say what would happen; change nothing");
  mfailover->callback([=] { set_command(mtopo(mirror_failover)); });

  // -- the failover runbook (steps 4a, 4b, and all seven) --
  auto* sessions = app.add_subcommand(
      "sessions", "runbook step 4a: list the sessions on mgc of a store (--end: end them)");
  sessions->add_option("--store", s->runbook.store, "store role (default backup)");
  sessions->add_flag("--end", s->runbook.end, "end them (kill)");
  sessions->add_flag("--dry-run", s->runbook.dry_run, "say what would happen; change nothing");
  sessions->callback([=] { set_command(rtopo(runbook_sessions)); });
  auto* recover = app.add_subcommand(
      "recover",
      "runbook step 4b: bring the backup database online (restore database mgc with recovery)");
  add_step_flags(recover);
  recover->callback([=] { set_command(rtopo(runbook_recover)); });
  auto* failover = app.add_subcommand(
      "failover",
      "the whole failover runbook to datacenter B (runbook steps 1-7): preflight, steps, report; "
      "re-run to resume");
  add_step_flags(failover);
  failover->callback([=] { set_command(rtopo(runbook_failover)); });
  auto* failback = app.add_subcommand(
      "failback",
      "back to datacenter A once it is back: rebuild A from B, switch over with no loss, "
      "Normal, log shipping A -> B; re-run to resume");
  failback->add_flag("--dry-run", s->runbook.dry_run, "say what would happen; change nothing");
  failback->callback([=] { set_command(rtopo(runbook_failback)); });
  return state;
}

}  // namespace pchat::ctl
