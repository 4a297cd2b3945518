#include "ctl/cli.h"

#include <iostream>

namespace pchat::ctl {

PoolCommandContext Cli::pool_ctx() const {
  return PoolCommandContext{data_dir, topology_file, &std::cout, &std::cerr};
}

}  // namespace pchat::ctl
