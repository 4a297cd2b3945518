// `pchatctl logship ...` and `pchatctl mirror ...` (dr/logship.h, dr/mirror.h; the
// runbook steps under `logship` are runbook/steps.h's).
#include <iostream>
#include <memory>

#include "ctl/cli.h"
#include "ctl/dr/logship.h"
#include "ctl/dr/mirror.h"
#include "ctl/dr/witness.h"
#include "ctl/runbook/steps.h"

namespace pchat::ctl {

namespace {

struct DrOptions {
  LogshipArgs logship;
  MirrorArgs mirror;
  RunbookArgs runbook;
};

void add_logship(Cli& cli, DrOptions* s) {
  auto* ls = cli.app.add_subcommand(
      "logship", "log shipping: backup job, copy job, restore job, monitor (--topology)");
  ls->require_subcommand(1);
  auto with_topo = [s, &cli](auto fn) {
    return [s, &cli, fn] {
      s->logship.topology_file = cli.topology_file;
      return fn(s->logship, std::cout);
    };
  };
  auto* archive = ls->add_subcommand(
      "archive-wal", "the backup job: store one WAL file in the share (archive_command)");
  archive->add_option("PATH", s->logship.wal_path, "%p")->required();
  archive->add_option("NAME", s->logship.wal_name, "%f")->required();
  archive->callback([=, &cli] { cli.set_command(with_topo(logship_archive_wal)); });
  auto* job = ls->add_subcommand(
      "copy-job", "the copy job: copy new files from the share, verified, every copy_interval_ms");
  job->add_flag("--once", s->logship.once, "one round, then exit");
  job->callback([=, &cli] { cli.set_command(with_topo(logship_copy_job)); });
  auto* copy = ls->add_subcommand(
      "copy", "copy every file of the share not yet in the copy destination, verified (step 2)");
  copy->add_flag("--json", s->logship.json, "print JSON");
  copy->callback([=, &cli] { cli.set_command(with_topo(logship_copy)); });
  auto* lss = ls->add_subcommand(
      "status", "the log-shipping monitor: last file per stage, lags, thresholds, alerts");
  lss->add_flag("--json", s->logship.json, "print JSON");
  lss->callback([=, &cli] { cli.set_command(with_topo(logship_status)); });
  copy->add_flag("--dry-run", s->logship.dry_run, "list what would be copied; copy nothing");
  auto rtopo = [s, &cli](auto fn) {
    return [s, &cli, fn] {
      s->runbook.topology_file = cli.topology_file;
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
  remove->callback([=, &cli] { cli.set_command(rtopo(runbook_remove_secondary)); });
  auto* apply = ls->add_subcommand(
      "apply",
      "runbook step 3: apply every copied file not yet applied, in order; refuse on a gap");
  add_step_flags(apply);
  apply->callback([=, &cli] { cli.set_command(rtopo(runbook_apply)); });
  auto* init = ls->add_subcommand(
      "init-secondary", "(re)initialize the backup store from a base backup of the primary");
  init->callback([=, &cli] { cli.set_command(with_topo(logship_init_secondary)); });
}

void add_mirror(Cli& cli, DrOptions* s) {
  auto* mirror =
      cli.app.add_subcommand("mirror", "the synchronous mirror of the primary (--topology)");
  mirror->require_subcommand(1);
  auto mtopo = [s, &cli](auto fn) {
    return [s, &cli, fn] {
      s->mirror.topology_file = cli.topology_file;
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
  install->callback([=, &cli] { cli.set_command(mtopo(mirror_install)); });
  auto* mstatus =
      mirror->add_subcommand("status", "synchronized, catching-up, lost, exposed or blocked");
  mstatus->add_flag("--json", s->mirror.json, "print JSON");
  mstatus->callback([=, &cli] { cli.set_command(mtopo(mirror_status)); });
  auto* monitor = mirror->add_subcommand(
      "monitor", "the high-safety watcher: exposed after mirroring.timeout_s, resync on return");
  monitor->add_option("--store", s->mirror.store,
                      "the store this agent sits beside (primary or mirror): the mirror agent of "
                      "automatic failover (guard, arbiter, rejoin)");
  monitor->callback([=, &cli] {
    cli.set_command(s->mirror.store.empty() ? mtopo(mirror_monitor) : mtopo(mirror_agent));
  });
  auto* witness = mirror->add_subcommand(
      "witness", "the witness of automatic mirror failover (listens on mirroring.witness)");
  witness->add_option("--state", s->mirror.state_file,
                      "its state file (default: witness-state.json beside the topology)");
  witness->callback([=, &cli] { cli.set_command(mtopo(mirror_witness)); });
  auto* mauto = mirror->add_subcommand(
      "auto", "automatic mirror failover on or off (maintenance), at the witness");
  auto onoff = std::make_shared<std::string>();
  mauto->add_option("state", *onoff, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  mauto->callback([=, &cli] {
    s->mirror.auto_enabled = *onoff == "on";
    cli.set_command(mtopo(mirror_auto));
  });
  auto* mfailover = mirror->add_subcommand(
      "failover", "make the mirror the primary (planned: no loss; --force: primary dead)");
  mfailover->add_flag("--force", s->mirror.force,
                      "promote even if not synchronized or the primary is dead");
  mfailover->add_flag("--dry-run", s->mirror.dry_run, "say what would happen; change nothing");
  mfailover->callback([=, &cli] { cli.set_command(mtopo(mirror_failover)); });
}

}  // namespace

void add_dr_commands(Cli& cli) {
  DrOptions* s = &cli.keep<DrOptions>();
  add_logship(cli, s);
  add_mirror(cli, s);
}

}  // namespace pchat::ctl
