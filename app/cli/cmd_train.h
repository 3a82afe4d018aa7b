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
inline const char* const kTrainBooleanFlags[] = {"--resume", "--quiet", "--breakdown"};

}  // namespace ripen::cli

namespace ripen::training {
struct TrainOptions;
}
namespace ripen::cli {
// Reads the flags every trainer shares: --out DIR --device cpu|cuda --steps N --batch N --lr X --weight-decay X
// --warmup N --ema X --seed N --checkpoint-every N --log-every N --resume --quiet, and --stop-at STEP /
// --max-minutes M (checkpoint and stop early; continue later with --resume).
void parse_train_options(Args& args, training::TrainOptions& o);
}  // namespace ripen::cli
