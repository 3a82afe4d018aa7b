#include "text/clip_text_model.h"

#include <nlohmann/json.hpp>

#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <list>
#include <limits>
#include <mutex>

#include "tensors/cpu_isa.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen::text {

namespace {
ClipTextConfig config_from(const nlohmann::json& j, const std::string& origin) {
  if (!j.is_object()) throw Error(origin + ": expected a JSON object");
  ClipTextConfig c;
  if (j.contains("architectures") && j["architectures"].is_array())
    for (auto& a : j["architectures"])
      if (a.is_string() && a.get<std::string>().find("WithProjection") != std::string::npos) c.with_projection = true;
  const nlohmann::json& t = j.contains("text_config") && j["text_config"].is_object() ? j["text_config"] : j;
  auto get_int = [&](const char* key, int64_t& out) {
    if (!t.contains(key)) return;
    if (!t[key].is_number_integer()) throw Error(origin + ": '" + key + "' must be an integer");
    out = t[key].get<int64_t>();
  };
  get_int("vocab_size", c.vocab_size);
  get_int("hidden_size", c.hidden_size);
  get_int("num_hidden_layers", c.num_layers);
  get_int("num_attention_heads", c.num_heads);
  get_int("intermediate_size", c.intermediate_size);
  get_int("max_position_embeddings", c.max_positions);
  get_int("bos_token_id", c.bos_token_id);
  get_int("eos_token_id", c.eos_token_id);
  get_int("projection_dim", c.projection_dim);
  if (t.contains("layer_norm_eps")) {
    if (!t["layer_norm_eps"].is_number()) throw Error(origin + ": 'layer_norm_eps' must be a number");
    c.layer_norm_eps = t["layer_norm_eps"].get<double>();
  }
  if (t.contains("hidden_act")) {
    if (!t["hidden_act"].is_string()) throw Error(origin + ": 'hidden_act' must be a string");
    c.hidden_act = t["hidden_act"].get<std::string>();
  }
  if (c.hidden_act != "quick_gelu" && c.hidden_act != "gelu")
    throw Error(origin + ": hidden_act '" + c.hidden_act + "' is not supported (quick_gelu, gelu)");
  if (c.hidden_size <= 0 || c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
    throw Error(origin + ": hidden_size " + std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
                std::to_string(c.num_heads));
  if (c.num_layers < 1 || c.intermediate_size <= 0 || c.max_positions <= 0 || c.vocab_size <= 0)
    throw Error(origin + ": invalid sizes in the text encoder config");
  return c;
}
}  // namespace

ClipTextConfig ClipTextConfig::from_json_text(const std::string& json_text, const std::string& origin) {
  return config_from(parse_json_text(json_text, origin), origin);
}

ClipTextConfig ClipTextConfig::from_json(const std::filesystem::path& config_json) {
  return config_from(read_json_file(config_json), config_json.string());
}

const std::vector<std::string>& ClipTextModel::ignored_keys() {
  static const std::vector<std::string> keys = {"text_model.embeddings.position_ids"};
  return keys;
}

void ClipTextModel::bind(ParamStore& ps, const ClipTextConfig& c, const std::string& prefix) {
  config_ = c;
  cache_ = std::make_shared<OutputCache>();
  const std::string tm = nn::key(prefix, "text_model");
  const int64_t C = c.hidden_size;
  token_embedding_.bind(ps, tm + ".embeddings.token_embedding", c.vocab_size, C);
  position_embedding_.bind(ps, tm + ".embeddings.position_embedding", c.max_positions, C);
  layers_.resize(c.num_layers);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = tm + ".encoder.layers." + std::to_string(i);
    Layer& l = layers_[i];
    l.ln1.bind(ps, p + ".layer_norm1", C, c.layer_norm_eps);
    l.q.bind(ps, p + ".self_attn.q_proj", C, C);
    l.k.bind(ps, p + ".self_attn.k_proj", C, C);
    l.v.bind(ps, p + ".self_attn.v_proj", C, C);
    l.out.bind(ps, p + ".self_attn.out_proj", C, C);
    l.ln2.bind(ps, p + ".layer_norm2", C, c.layer_norm_eps);
    l.fc1.bind(ps, p + ".mlp.fc1", C, c.intermediate_size);
    l.fc2.bind(ps, p + ".mlp.fc2", c.intermediate_size, C);
  }
  final_ln_.bind(ps, tm + ".final_layer_norm", C, c.layer_norm_eps);
  if (c.with_projection) projection_ = ps.take(nn::key(prefix, "text_projection.weight"), {c.projection_dim, C}, Init::Uniform, C);
}

at::Tensor ClipTextModel::layer_forward(const Layer& l, const at::Tensor& x, const at::Tensor& mask) const {
  const int64_t B = x.size(0), T = x.size(1), H = config_.num_heads, D = config_.hidden_size / H;
  at::Tensor h = l.ln1(x);
  auto heads = [&](const at::Tensor& t) { return t.view({B, T, H, D}).transpose(1, 2); };  // [B, H, T, D]
  at::Tensor q = heads(l.q(h) * (1.0 / std::sqrt(double(D))));
  at::Tensor k = heads(l.k(h));
  at::Tensor v = heads(l.v(h));
  if (compute_in_fp32(q)) {  // bf16 products ATen would refuse or accumulate in bf16 (tensors/cpu_isa.h)
    q = q.to(at::kFloat), k = k.to(at::kFloat), v = v.to(at::kFloat);
  }
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) + mask;
  at::Tensor attn = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({B, T, H * D}).to(x.scalar_type());
  at::Tensor y = x + l.out(attn);
  at::Tensor m = l.fc1(l.ln2(y));
  if (config_.hidden_act == "gelu")  // bf16 GELU in fp32 where oneDNN would refuse it (tensors/cpu_isa.h)
    m = compute_in_fp32(m) ? at::gelu(m.to(at::kFloat)).to(m.scalar_type()) : at::gelu(m);
  else
    m = m * at::sigmoid(1.702 * m);
  return y + l.fc2(m);
}

struct ClipTextModel::OutputCache {
  struct Entry {
    std::vector<int64_t> shape, ids;
    int64_t version = 0;
    ClipTextOutput out;
  };
  static constexpr size_t kEntries = 8;
  std::mutex mutex;
  std::list<Entry> entries;  // most recently used first
};

namespace {

ClipTextOutput copy_output(const ClipTextOutput& o) {
  auto copy = [](const at::Tensor& t) { return t.defined() ? t.clone() : t; };
  ClipTextOutput c{copy(o.last_hidden_state), copy(o.penultimate_hidden_state), copy(o.penultimate_final_ln),
                   copy(o.pooler_output), copy(o.text_embeds), {}};
  for (const auto& h : o.hidden_states) c.hidden_states.push_back(copy(h));
  return c;
}

}  // namespace

int64_t ClipTextModel::weights_version() const {
  int64_t sum = 0;
  bool ok = true;
  auto add = [&](const at::Tensor& t) {
    if (!t.defined()) return;
    if (t.is_inference()) ok = false;
    else sum += int64_t(t._version());
  };
  add(token_embedding_.weight);
  add(position_embedding_.weight);
  for (const auto& l : layers_)
    for (const nn::Linear* lin : {&l.q, &l.k, &l.v, &l.out, &l.fc1, &l.fc2}) add(lin->weight), add(lin->bias);
  for (const auto& l : layers_)
    for (const nn::LayerNorm* ln : {&l.ln1, &l.ln2}) add(ln->weight), add(ln->bias);
  add(final_ln_.weight);
  add(final_ln_.bias);
  add(projection_);
  return ok ? sum : -1;
}

ClipTextOutput ClipTextModel::forward(const at::Tensor& ids_in) const {
  if (at::GradMode::is_enabled() || !cache_ || ids_in.dim() != 2) return forward_uncached(ids_in);
  const int64_t version = weights_version();
  if (version < 0) return forward_uncached(ids_in);
  at::Tensor cpu_ids = ids_in.to(at::kCPU, at::kLong).contiguous();
  std::vector<int64_t> shape = cpu_ids.sizes().vec();
  std::vector<int64_t> ids(cpu_ids.data_ptr<int64_t>(), cpu_ids.data_ptr<int64_t>() + cpu_ids.numel());
  {
    std::lock_guard<std::mutex> lock(cache_->mutex);
    auto& e = cache_->entries;
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (it->version == version && it->shape == shape && it->ids == ids) {
        if (it != e.begin()) e.splice(e.begin(), e, it), it = e.begin();  // keep most recent first
        return copy_output(it->out);
      }
    }
  }
  ClipTextOutput out;
  {
    c10::InferenceMode guard;  // skips autograd's bookkeeping; the copies below are ordinary tensors
    out = forward_uncached(ids_in);
  }
  ClipTextOutput result = copy_output(out);
  std::lock_guard<std::mutex> lock(cache_->mutex);
  cache_->entries.push_front({std::move(shape), std::move(ids), version, std::move(out)});
  if (cache_->entries.size() > OutputCache::kEntries) cache_->entries.pop_back();
  return result;
}

ClipTextOutput ClipTextModel::forward(const at::Tensor& ids, const std::vector<std::vector<EmbeddingFix>>& fixes) const {
  bool any = false;
  for (const auto& row : fixes) any = any || !row.empty();
  if (!any) return forward(ids);
  if (ids.dim() != 2 || int64_t(fixes.size()) != ids.size(0))
    throw Error("CLIP text model: " + std::to_string(fixes.size()) + " rows of embedding fixes for input_ids of " +
                std::to_string(ids.dim() == 2 ? ids.size(0) : -1) + " rows");
  return forward_uncached(ids, &fixes);
}

ClipTextOutput ClipTextModel::forward_uncached(const at::Tensor& ids_in, const std::vector<std::vector<EmbeddingFix>>* fixes) const {
  if (ids_in.dim() != 2) throw Error("CLIP text model: input_ids must be [B, T]");
  const int64_t T = ids_in.size(1);
  if (T > config_.max_positions || T < 1)
    throw Error("CLIP text model: sequence length " + std::to_string(T) + " outside [1, " +
                std::to_string(config_.max_positions) + "]");
  const auto& w = token_embedding_.weight;
  at::Tensor ids = ids_in.to(w.device(), at::kLong);
  if (ids.numel() && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= config_.vocab_size))
    throw Error("CLIP text model: token id outside [0, " + std::to_string(config_.vocab_size) + ")");
  ClipTextOutput out;
  at::Tensor tokens = token_embedding_(ids);
  if (fixes) {
    const int64_t C = config_.hidden_size;
    for (size_t b = 0; b < fixes->size(); ++b)
      for (const EmbeddingFix& f : (*fixes)[b]) {
        const at::Tensor& v = f.vectors;
        if (v.dim() != 2 || v.size(1) != C)
          throw Error("CLIP text model: embedding vectors of width " + std::to_string(v.dim() == 2 ? v.size(1) : -1) +
                      " for a text encoder of width " + std::to_string(C));
        if (f.offset < 0 || f.offset + v.size(0) > T) throw Error("CLIP text model: embedding positions outside the sequence");
        tokens[int64_t(b)].narrow(0, f.offset, v.size(0)).copy_(v);
      }
  }
  at::Tensor x = tokens + position_embedding_.weight.narrow(0, 0, T).unsqueeze(0);
  at::Tensor mask = at::full({T, T}, -std::numeric_limits<float>::infinity(), w.options()).triu(1);
  out.hidden_states.reserve(layers_.size() + 1);
  out.hidden_states.push_back(x);
  for (const auto& l : layers_) {
    x = layer_forward(l, x, mask);
    out.hidden_states.push_back(x);
  }
  out.last_hidden_state = final_ln_(x);
  const auto& pen = out.hidden_states[out.hidden_states.size() - 2];
  out.penultimate_hidden_state = pen;
  out.penultimate_final_ln = final_ln_(pen);
  // transformers: eos_token_id == 2 (old configs) pools at argmax(ids), else at the first eos id.
  at::Tensor pos = config_.eos_token_id == 2 ? ids.argmax(-1) : (ids == config_.eos_token_id).to(at::kInt).argmax(-1);
  const int64_t C = config_.hidden_size;
  out.pooler_output = out.last_hidden_state.gather(1, pos.view({-1, 1, 1}).expand({ids.size(0), 1, C})).squeeze(1);
  if (projection_.defined()) {
    const at::Tensor& p = out.pooler_output;
    out.text_embeds = compute_in_fp32(p) ? at::matmul(p.to(at::kFloat), projection_.to(at::kFloat).t()).to(p.scalar_type())
                                         : at::matmul(p, projection_.t());
  }
  return out;
}

at::Tensor ClipTextModel::clip_skip(const ClipTextOutput& out, int k) const {
  const int n = int(out.hidden_states.size());
  if (k < 1 || k >= n) throw Error("clip skip " + std::to_string(k) + " outside [1, " + std::to_string(n - 1) + "]");
  if (k == 1) return out.last_hidden_state;
  if (k == 2) return out.penultimate_final_ln;
  return final_ln_(out.hidden_states[n - k]);
}

}  // namespace ripen::text
