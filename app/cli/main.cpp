// ripen-cli: the engine from the command line. Subcommands live in cli/cmd_*.cpp.
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/command.h"
#include "tensors/cpu_threads.h"
#include "tensors/error.h"

using namespace ripen::cli;

static void usage() {
  std::cerr << "usage: ripen-cli COMMAND [flags]\n\ncommands:\n";
  for (const auto& [name, c] : commands()) std::cerr << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << c.summary << "\n";
}

int main(int argc, char** argv) {
  ripen::configure_cpu_threads();  // Debian's libtorch defaults to one thread; BLAS must not add a second pool
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    return argc < 2 ? 2 : 0;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::cerr << "ripen-cli: unknown command '" << argv[1] << "'\n";
    usage();
    return 2;
  }
  try {
    Args args(std::vector<std::string>(argv + 2, argv + argc), it->second.boolean_flags);
    return it->second.run(args);
  } catch (const UsageError& e) {
    std::cerr << "ripen-cli " << argv[1] << ": " << e.message << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ripen-cli " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
