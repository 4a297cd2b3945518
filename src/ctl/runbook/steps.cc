#include "ctl/runbook/steps.h"

#include "ctl/dr/job.h"
#include "dr/runbook/steps.h"

namespace pchat::ctl {

namespace {

dr::runbook::StepOptions options(const RunbookArgs& a) {
  return {.dry_run = a.dry_run, .force = a.force};
}

}  // namespace

Status runbook_remove_secondary(const RunbookArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "logship remove-secondary");
  if (!t) return t.error();
  return dr::runbook::remove_secondary(*t, options(args), out);
}

Status runbook_apply(const RunbookArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "logship apply");
  if (!t) return t.error();
  auto r = dr::runbook::apply_copied(*t, options(args), out);
  return r ? ok_status() : Status(r.error());
}

Status runbook_sessions(const RunbookArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "sessions");
  if (!t) return t.error();
  auto role = dr::parse_store_role(args.store);
  if (!role) {
    return make_error(ErrorKind::kInvalidInput, "unknown store role '" + args.store +
                                                    "' (primary, mirror, backup, backup_mirror)");
  }
  auto n = dr::runbook::end_sessions(*t, *role, args.end, options(args), out);
  return n ? ok_status() : Status(n.error());
}

Status runbook_recover(const RunbookArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "recover");
  if (!t) return t.error();
  return dr::runbook::bring_online(*t, options(args), out);
}

}  // namespace pchat::ctl
