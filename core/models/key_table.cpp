#include "models/key_table.h"

#include <map>

namespace ripen::models {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.size() >= p.size() && s.compare(0, p.size(), p) == 0; }

// Largest n+1 such that some key starts with `prefix` + n + ".", 0 when none.
int count_indices(const std::set<std::string>& keys, const std::string& prefix) {
  int count = 0;
  for (auto it = keys.lower_bound(prefix); it != keys.end() && starts_with(*it, prefix); ++it) {
    size_t pos = prefix.size(), end = pos;
    while (end < it->size() && std::isdigit(static_cast<unsigned char>((*it)[end]))) ++end;
    if (end == pos || end >= it->size() || (*it)[end] != '.') continue;
    count = std::max(count, std::stoi(it->substr(pos, end - pos)) + 1);
  }
  return count;
}

bool any_with_prefix(const std::set<std::string>& keys, const std::string& prefix) {
  auto it = keys.lower_bound(prefix);
  return it != keys.end() && starts_with(*it, prefix);
}

std::string idx(const std::string& a, int i) { return a + "." + std::to_string(i); }

// Renames the first dotted sub-path of `rest` by `renames` (`from` side -> `to` side).
std::optional<std::string> rename(const std::string& rest, const std::vector<std::pair<std::string, std::string>>& renames, bool forward) {
  for (const auto& [a, b] : renames) {
    const std::string& from = forward ? a : b;
    const std::string& to = forward ? b : a;
    if (rest == from) return to;
    if (starts_with(rest, from + ".")) return to + rest.substr(from.size());
  }
  return std::nullopt;
}

// Candidate prefixes of `key` at '.' boundaries, longest first (the key itself included).
std::vector<std::string> dotted_prefixes(const std::string& key) {
  std::vector<std::string> out{key};
  for (size_t p = key.rfind('.'); p != std::string::npos && p > 0; p = key.rfind('.', p - 1)) out.push_back(key.substr(0, p));
  return out;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& part_renames(Part part) {
  static const std::vector<std::pair<std::string, std::string>> none;
  static const std::vector<std::pair<std::string, std::string>> unet_resnet = {
      {"in_layers.0", "norm1"},   {"in_layers.2", "conv1"},  {"emb_layers.1", "time_emb_proj"},
      {"out_layers.0", "norm2"},  {"out_layers.3", "conv2"}, {"skip_connection", "conv_shortcut"}};
  static const std::vector<std::pair<std::string, std::string>> vae_resnet = {
      {"norm1", "norm1"}, {"conv1", "conv1"}, {"norm2", "norm2"}, {"conv2", "conv2"}, {"nin_shortcut", "conv_shortcut"}};
  static const std::vector<std::pair<std::string, std::string>> vae_attention = {
      {"norm", "group_norm"}, {"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"}};
  static const std::vector<std::pair<std::string, std::string>> open_clip = {
      {"ln_1", "layer_norm1"}, {"ln_2", "layer_norm2"}, {"attn.out_proj", "self_attn.out_proj"},
      {"mlp.c_fc", "mlp.fc1"}, {"mlp.c_proj", "mlp.fc2"}};
  switch (part) {
    case Part::UNetResnet: return unet_resnet;
    case Part::VaeResnet: return vae_resnet;
    case Part::VaeAttention: return vae_attention;
    case Part::OpenClipBlock: return open_clip;
    default: return none;
  }
}

UNetTopology UNetTopology::from_ldm_keys(const std::set<std::string>& keys, const std::string& p) {
  UNetTopology t;
  int inputs = count_indices(keys, p + "input_blocks.");
  if (inputs == 0) return t;
  // Downsamplers sit at input_blocks.{(L+1)(i+1)}.0.op, so the first one gives L+1 (one level: no op).
  int stride = inputs;
  for (int n = 1; n < inputs; ++n)
    if (any_with_prefix(keys, p + "input_blocks." + std::to_string(n) + ".0.op.")) {
      stride = n;
      break;
    }
  t.layers_per_block = stride - 1;
  t.levels = inputs / stride;
  for (int i = 0; i < t.levels; ++i)
    t.down_attn.push_back(any_with_prefix(keys, p + "input_blocks." + std::to_string(stride * i + 1) + ".1.proj_in."));
  for (int i = 0; i < t.levels; ++i)
    t.up_attn.push_back(any_with_prefix(keys, p + "output_blocks." + std::to_string(stride * i) + ".1.proj_in."));
  t.has_mid = any_with_prefix(keys, p + "middle_block.0.");
  t.mid_attn = any_with_prefix(keys, p + "middle_block.1.proj_in.");
  t.add_embedding = any_with_prefix(keys, p + "label_emb.0.0.");
  return t;
}

UNetTopology UNetTopology::from_diffusers_keys(const std::set<std::string>& keys, const std::string& p) {
  UNetTopology t;
  t.levels = count_indices(keys, p + "down_blocks.");
  t.layers_per_block = count_indices(keys, p + "down_blocks.0.resnets.");
  for (int i = 0; i < t.levels; ++i) t.down_attn.push_back(any_with_prefix(keys, idx(p + "down_blocks", i) + ".attentions.0."));
  for (int i = 0; i < t.levels; ++i) t.up_attn.push_back(any_with_prefix(keys, idx(p + "up_blocks", i) + ".attentions.0."));
  t.has_mid = any_with_prefix(keys, p + "mid_block.resnets.0.");
  t.mid_attn = any_with_prefix(keys, p + "mid_block.attentions.0.");
  t.add_embedding = any_with_prefix(keys, p + "add_embedding.linear_1.");
  return t;
}

VaeTopology VaeTopology::from_ldm_keys(const std::set<std::string>& keys, const std::string& p) {
  VaeTopology t;
  t.levels = count_indices(keys, p + "encoder.down.");
  t.layers_per_block = count_indices(keys, p + "encoder.down.0.block.");
  t.mid_attn = any_with_prefix(keys, p + "encoder.mid.attn_1.");
  return t;
}

VaeTopology VaeTopology::from_diffusers_keys(const std::set<std::string>& keys, const std::string& p) {
  VaeTopology t;
  t.levels = count_indices(keys, p + "encoder.down_blocks.");
  t.layers_per_block = count_indices(keys, p + "encoder.down_blocks.0.resnets.");
  t.mid_attn = any_with_prefix(keys, p + "encoder.mid_block.attentions.0.");
  return t;
}

void KeyTable::add(KeyRule rule) {
  rules_.push_back(std::move(rule));
  indexed_ = false;
}

void KeyTable::build_index() const {
  if (indexed_) return;
  ldm_index_.clear();
  diffusers_index_.clear();
  for (size_t i = 0; i < rules_.size(); ++i) {
    ldm_index_[rules_[i].ldm] = i;
    diffusers_index_[rules_[i].component + ":" + rules_[i].diffusers] = i;
  }
  indexed_ = true;
}

void KeyTable::add_unet(const UNetTopology& t, const std::string& P) {
  auto rule = [&](const std::string& ldm, const std::string& d, Part part = Part::Plain) { add({P + ldm, "unet", d, part}); };
  rule("time_embed.0", "time_embedding.linear_1");
  rule("time_embed.2", "time_embedding.linear_2");
  rule("input_blocks.0.0", "conv_in");
  rule("out.0", "conv_norm_out");
  rule("out.2", "conv_out");
  if (t.add_embedding) {
    rule("label_emb.0.0", "add_embedding.linear_1");
    rule("label_emb.0.2", "add_embedding.linear_2");
  }
  const int L = t.layers_per_block, S = L + 1;
  for (int i = 0; i < t.levels; ++i) {
    for (int j = 0; j < L; ++j) {
      std::string in = idx("input_blocks", S * i + j + 1);
      rule(in + ".0", idx(idx("down_blocks", i) + ".resnets", j), Part::UNetResnet);
      if (t.down_attn[i]) rule(in + ".1", idx(idx("down_blocks", i) + ".attentions", j));
    }
    if (i < t.levels - 1) rule(idx("input_blocks", S * (i + 1)) + ".0.op", idx("down_blocks", i) + ".downsamplers.0.conv");
  }
  for (int i = 0; i < t.levels; ++i) {
    for (int j = 0; j <= L; ++j) {
      std::string out = idx("output_blocks", S * i + j);
      rule(out + ".0", idx(idx("up_blocks", i) + ".resnets", j), Part::UNetResnet);
      if (t.up_attn[i]) rule(out + ".1", idx(idx("up_blocks", i) + ".attentions", j));
    }
    // The upsampler follows the last resnet (and its attention, when the block has them).
    if (i < t.levels - 1)
      rule(idx("output_blocks", S * i + L) + (t.up_attn[i] ? ".2" : ".1") + ".conv", idx("up_blocks", i) + ".upsamplers.0.conv");
  }
  if (t.has_mid) {
    rule("middle_block.0", "mid_block.resnets.0", Part::UNetResnet);
    if (t.mid_attn) {
      rule("middle_block.1", "mid_block.attentions.0");
      rule("middle_block.2", "mid_block.resnets.1", Part::UNetResnet);
    } else {
      rule("middle_block.1", "mid_block.resnets.1", Part::UNetResnet);
    }
  }
}

void KeyTable::add_vae(const VaeTopology& t, const std::string& P) {
  auto rule = [&](const std::string& ldm, const std::string& d, Part part = Part::Plain) { add({P + ldm, "vae", d, part}); };
  for (const char* side : {"encoder", "decoder"}) {
    std::string s = side;
    rule(s + ".conv_in", s + ".conv_in");
    rule(s + ".conv_out", s + ".conv_out");
    rule(s + ".norm_out", s + ".conv_norm_out");
    rule(s + ".mid.block_1", s + ".mid_block.resnets.0", Part::VaeResnet);
    rule(s + ".mid.block_2", s + ".mid_block.resnets.1", Part::VaeResnet);
    if (t.mid_attn) rule(s + ".mid.attn_1", s + ".mid_block.attentions.0", Part::VaeAttention);
  }
  rule("quant_conv", "quant_conv");
  rule("post_quant_conv", "post_quant_conv");
  const int N = t.levels, L = t.layers_per_block;
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < L; ++j)
      rule(idx(idx("encoder.down", i) + ".block", j), idx(idx("encoder.down_blocks", i) + ".resnets", j), Part::VaeResnet);
    if (i < N - 1) rule(idx("encoder.down", i) + ".downsample", idx("encoder.down_blocks", i) + ".downsamplers.0");
    // The decoder's levels are numbered from the lowest resolution in LDM, from the highest in diffusers.
    for (int j = 0; j <= L; ++j)
      rule(idx(idx("decoder.up", N - 1 - i) + ".block", j), idx(idx("decoder.up_blocks", i) + ".resnets", j), Part::VaeResnet);
    if (i < N - 1) rule(idx("decoder.up", N - 1 - i) + ".upsample", idx("decoder.up_blocks", i) + ".upsamplers.0");
  }
}

void KeyTable::add_text(const TextTopology& t, const std::string& component) {
  std::string P = t.ldm_prefix;
  if (!P.empty() && P.back() == '.') P.pop_back();
  if (t.layout == TextLayout::HfClip) {
    add({P, component, "text_model", Part::Plain});
    if (t.projection) add({P.substr(0, P.rfind('.')) + ".text_projection", component, "text_projection", Part::Plain});
    return;
  }
  if (t.layout != TextLayout::OpenClip) return;
  add({P + ".token_embedding", component, "text_model.embeddings.token_embedding", Part::Plain});
  add({P + ".positional_embedding", component, "text_model.embeddings.position_embedding.weight", Part::Exact});
  for (int i = 0; i < t.keep_layers; ++i)
    add({idx(P + ".transformer.resblocks", i), component, idx("text_model.encoder.layers", i), Part::OpenClipBlock});
  add({P + ".ln_final", component, "text_model.final_layer_norm", Part::Plain});
  if (t.projection) add({P + ".text_projection", component, "text_projection.weight", Part::Exact, Transform::Transpose});
}

std::vector<MappedKey> KeyTable::to_diffusers(const std::string& key) const {
  build_index();
  const auto& index = ldm_index_;
  for (const auto& prefix : dotted_prefixes(key)) {
    auto it = index.find(prefix);
    if (it == index.end()) continue;
    const KeyRule& r = rules_[it->second];
    if (r.part == Part::Exact) {
      if (prefix != key) return {};
      return {{r.component, r.diffusers, r.transform, 0}};
    }
    if (prefix == key) return {};
    std::string rest = key.substr(prefix.size() + 1);
    if (r.part == Part::OpenClipBlock && (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias")) {
      std::string what = rest == "attn.in_proj_weight" ? "weight" : "bias";
      std::vector<MappedKey> out;
      const char* names[3] = {"q_proj", "k_proj", "v_proj"};
      for (int c = 0; c < 3; ++c) out.push_back({r.component, r.diffusers + ".self_attn." + names[c] + "." + what, Transform::Chunk3, c});
      return out;
    }
    const auto& renames = part_renames(r.part);
    if (!renames.empty()) {
      if (auto renamed = rename(rest, renames, true)) rest = *renamed;
    }
    return {{r.component, r.diffusers + "." + rest, Transform::None, 0}};
  }
  return {};
}

std::optional<MappedKey> KeyTable::to_ldm(const std::string& component, const std::string& dkey) const {
  build_index();
  for (const auto& prefix : dotted_prefixes(dkey)) {
    auto it = diffusers_index_.find(component + ":" + prefix);
    if (it == diffusers_index_.end()) continue;
    const KeyRule& r = rules_[it->second];
    if (r.part == Part::Exact) {
      if (prefix != dkey) return std::nullopt;
      return MappedKey{"", r.ldm, r.transform, 0};
    }
    if (prefix == dkey) return std::nullopt;
    std::string rest = dkey.substr(prefix.size() + 1);
    if (r.part == Part::OpenClipBlock) {
      const char* names[3] = {"self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj."};
      for (int c = 0; c < 3; ++c)
        if (starts_with(rest, names[c])) return MappedKey{"", r.ldm + ".attn.in_proj_" + rest.substr(std::string(names[c]).size()), Transform::Chunk3, c};
    }
    const auto& renames = part_renames(r.part);
    if (!renames.empty()) {
      if (auto renamed = rename(rest, renames, false)) rest = *renamed;
    }
    return MappedKey{"", r.ldm + "." + rest, Transform::None, 0};
  }
  return std::nullopt;
}

}  // namespace ripen::models
