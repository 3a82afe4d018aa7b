// ripen-cli eval --component tokenizer|tokenizer_2|text_encoder|text_encoder_2 (see cli/eval_model.h for flags).
//   tokenizer*:     IN is a JSON array of prompts -> input_ids int64 [N,77]
//   text_encoder*:  IN holds input_ids -> last_hidden_state, penultimate_hidden_state (no final LN),
//                   penultimate_final_ln, pooler_output, and text_embeds where the encoder has a projection;
//                   --lora FILE[:TE[:UNET]] (repeatable) merges LoRA networks into the encoder first
#include <ATen/core/grad_mode.h>

#include <nlohmann/json.hpp>

#include "cli/eval_model.h"
#include "cli/lora_flags.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {

int eval_tokenizer(Args& args, const std::string& name) {
  auto run = parse_eval_model_flags(args, {name});
  const nlohmann::json prompts = ripen::read_json_file(run.inputs);
  if (!prompts.is_array()) throw ripen::Error(run.inputs + ": must be a JSON array of prompt strings");
  std::vector<std::string> texts;
  for (const auto& p : prompts) {
    if (!p.is_string()) throw ripen::Error(run.inputs + ": must be a JSON array of prompt strings");
    texts.push_back(p.get<std::string>());
  }
  auto model = models::load_model(run.model, run.options);
  const auto& tok = name == "tokenizer" ? model.tokenizer : model.tokenizer_2;
  if (!tok) throw ripen::Error(run.model + ": has no " + name);
  save_eval_outputs(run.output, {{"input_ids", tok->encode_batch(texts)}});
  return 0;
}

int eval_text_encoder(Args& args, const std::string& name) {
  const auto networks = lora_flags(args);
  auto run = parse_eval_model_flags(args, {name});
  auto in = SafeTensors::open(run.inputs);
  if (!in.contains("input_ids")) throw ripen::Error(run.inputs + ": missing tensor 'input_ids'");
  at::Tensor ids = in.tensor("input_ids").to(at::kLong);
  auto model = models::load_model(run.model, run.options);
  merge_networks(model, networks);
  const auto& te = name == "text_encoder" ? model.text_encoder : model.text_encoder_2;
  if (!te) throw ripen::Error(run.model + ": has no " + name);
  at::NoGradGuard no_grad;
  auto out = te->forward(ids.to(run.options.device));
  save_eval_outputs(run.output, {{"last_hidden_state", out.last_hidden_state},
                                 {"penultimate_hidden_state", out.penultimate_hidden_state},
                                 {"penultimate_final_ln", out.penultimate_final_ln},
                                 {"pooler_output", out.pooler_output},
                                 {"text_embeds", out.text_embeds}});
  return 0;
}

RegisterEvalComponent r1{"tokenizer", [](Args& a) { return eval_tokenizer(a, "tokenizer"); }};
RegisterEvalComponent r2{"tokenizer_2", [](Args& a) { return eval_tokenizer(a, "tokenizer_2"); }};
RegisterEvalComponent r3{"text_encoder", [](Args& a) { return eval_text_encoder(a, "text_encoder"); }};
RegisterEvalComponent r4{"text_encoder_2", [](Args& a) { return eval_text_encoder(a, "text_encoder_2"); }};

}  // namespace
}  // namespace ripen::cli
