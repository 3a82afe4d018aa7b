// ripen-cli eval --component NAME ...: runs one engine component on saved inputs, so any reference
// implementation can be compared from outside the process.
#include <iostream>

#include "cli/command.h"

namespace ripen::cli {
namespace {
int run_eval(Args& args) {
  std::string component = args.require("--component");
  auto it = eval_components().find(component);
  if (it == eval_components().end()) {
    std::string names;
    for (const auto& [n, f] : eval_components()) names += (names.empty() ? "" : ", ") + n;
    throw UsageError{"unknown component '" + component + "' (available: " + names + ")"};
  }
  return it->second(args);
}
RegisterCommand reg{{"eval", "run one component (tokenizer, text_encoder, unet, vae_decode, sampler, ...) on saved inputs", run_eval, {}}};
}  // namespace
}  // namespace ripen::cli
