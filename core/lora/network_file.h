#pragma once
// A LoRA / LyCORIS network file (safetensors only), read into modules: each module is the tensors one target
// weight's patch is made of, under the name the file gives that weight. Formats:
//   kohya / A1111 LoRA and LoCon  NAME.lora_down.weight, NAME.lora_up.weight [, NAME.lora_mid.weight], NAME.alpha
//   LyCORIS LoHa                  NAME.hada_w1_a/_b, NAME.hada_w2_a/_b [, NAME.hada_t1, NAME.hada_t2], NAME.alpha
//   LyCORIS LoKr                  NAME.lokr_w1 | NAME.lokr_w1_a/_b, NAME.lokr_w2 | NAME.lokr_w2_a/_b [, lokr_t2], alpha
//   diffusers / PEFT              NAME.lora_A.weight (down), NAME.lora_B.weight (up); no alpha
//   older diffusers               NAME.down.weight / NAME.up.weight with NAME = ….processor.to_q_lora (and a few more)
//   DoRA, beside any of these     NAME.dora_scale (LyCORIS, kohya) or NAME.lora_magnitude_vector[.weight] (PEFT)
// Everything is checked here, before any model is touched: known tensor names only, each module complete, the
// parts' shapes consistent with each other, floating dtypes, finite values. Problems throw ripen::Error naming the
// file and the key (and both shapes where two disagree).
#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tensors/safetensors.h"

namespace ripen::lora {

enum class Kind { LoRA, LoHa, LoKr };
const char* kind_name(Kind k);  // "lora", "loha", "lokr"

struct Module {
  std::string name;  // as the file spells it, without the tensor suffix: lora_unet_…_to_q, unet.….to_q, …
  Kind kind = Kind::LoRA;
  // The parts by role, as stored: down, up, mid (LoRA); w1a, w1b, w2a, w2b, t1, t2 (LoHa: hada_w1_a …);
  // w1, w1a, w1b, w2, w2a, w2b, t2 (LoKr: lokr_w1 …); dora (any kind: the DoRA magnitudes, delta.h).
  // `suffixes` gives each role's key suffix in this file.
  std::map<std::string, at::Tensor> parts;
  std::map<std::string, std::string> suffixes;
  std::string format;  // kohya, peft, diffusers, lycoris (NetworkFile::format)
  std::string origin;  // the file, for messages
  std::optional<double> alpha;
  int64_t rank = 0;  // what alpha is divided by (down rows, hada_w1_b rows, lokr_w1_b / w2_b rows); 0: none
  bool lycoris_dora() const;  // dora_scale (LyCORIS conventions), not PEFT's lora_magnitude_vector
  double scale() const { return alpha && rank > 0 ? *alpha / double(rank) : 1.0; }  // no alpha: 1 (kohya, A1111)
  const at::Tensor* part(const std::string& role) const;  // null when absent
  std::string key(const std::string& role) const;         // the file's key of a part, for messages
};

struct NetworkFile {
  std::string path;
  std::string format;  // "kohya", "peft", "diffusers" (older processor names); "lycoris" when LoHa/LoKr appear
  std::map<std::string, std::string> metadata;
  std::vector<Module> modules;  // in key order
  int64_t ignored_tensors = 0;  // bundled textual-inversion embeddings (bundle_emb.*), not a weight patch
};

NetworkFile read_network_file(const std::string& path);
// The same for a file already opened (the fuzzer's entry point; `st` must outlive the result's tensors' use).
NetworkFile parse_network(const SafeTensors& st);

}  // namespace ripen::lora
