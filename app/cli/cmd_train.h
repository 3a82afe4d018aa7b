#pragma once
// `ripen-cli train SUB ...`: each sub-command lives in its own cmd_train_*.cpp and registers here.
#include <functional>
#include <map>
#include <string>

#include "cli/command.h"

namespace ripen::cli {

struct TrainSubcommand {
  std::string summary;
  std::function<int(Args&)> run;
};
std::map<std::string, TrainSubcommand>& train_subcommands();
struct RegisterTrainSubcommand {
  RegisterTrainSubcommand(const std::string& name, TrainSubcommand sub);
};

// Flags that take no value, across all train sub-commands.
inline const char* const kTrainBooleanFlags[] = {"--resume", "--quiet"};

}  // namespace ripen::cli
