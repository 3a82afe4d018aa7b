// ripen-cli train SUB: the embedded model's training chain (data, tokenizer, vae, latents, diffusion,
// classifier, export, evaluate). See packaging/train-embedded.sh for the whole chain in order.
#include "cli/cmd_train.h"

#include <iostream>

namespace ripen::cli {

std::map<std::string, TrainSubcommand>& train_subcommands() {
  static std::map<std::string, TrainSubcommand> m;
  return m;
}
RegisterTrainSubcommand::RegisterTrainSubcommand(const std::string& name, TrainSubcommand sub) {
  train_subcommands()[name] = std::move(sub);
}

namespace {
int run_train(Args& args) {
  const auto& pos = args.positional();
  std::string names;
  for (const auto& [n, s] : train_subcommands()) names += "\n  " + n + std::string(n.size() < 11 ? 11 - n.size() : 1, ' ') + s.summary;
  if (pos.empty()) throw UsageError{"needs a sub-command:" + names};
  auto it = train_subcommands().find(pos[0]);
  if (it == train_subcommands().end()) throw UsageError{"unknown sub-command '" + pos[0] + "'; available:" + names};
  if (pos.size() > 1) throw UsageError{"unexpected argument '" + pos[1] + "'"};
  return it->second.run(args);
}
RegisterCommand reg{{"train", "train the embedded model (data, tokenizer, vae, latents, diffusion, classifier, export, evaluate)",
                     run_train, std::vector<std::string>(std::begin(kTrainBooleanFlags), std::end(kTrainBooleanFlags))}};
}  // namespace
}  // namespace ripen::cli
