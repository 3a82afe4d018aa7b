#include "lora/network_file.h"

#include <algorithm>
#include <set>

#include "tensors/error.h"
#include "tensors/params.h"

namespace ripen::lora {
namespace {

struct Suffix {
  const char* suffix;
  Kind kind;
  const char* role;
  const char* format;
};

// Longest suffixes first where one ends another (".lora_down.weight" before ".down.weight").
const std::vector<Suffix>& suffix_table() {
  static const std::vector<Suffix> t = {
      {".lora_down.weight", Kind::LoRA, "down", "kohya"}, {".lora_up.weight", Kind::LoRA, "up", "kohya"},
      {".lora_mid.weight", Kind::LoRA, "mid", "kohya"},   {".lora_A.weight", Kind::LoRA, "down", "peft"},
      {".lora_B.weight", Kind::LoRA, "up", "peft"},       {".down.weight", Kind::LoRA, "down", "diffusers"},
      {".up.weight", Kind::LoRA, "up", "diffusers"},      {".hada_w1_a", Kind::LoHa, "w1a", "lycoris"},
      {".hada_w1_b", Kind::LoHa, "w1b", "lycoris"},       {".hada_w2_a", Kind::LoHa, "w2a", "lycoris"},
      {".hada_w2_b", Kind::LoHa, "w2b", "lycoris"},       {".hada_t1", Kind::LoHa, "t1", "lycoris"},
      {".hada_t2", Kind::LoHa, "t2", "lycoris"},          {".lokr_w1_a", Kind::LoKr, "w1a", "lycoris"},
      {".lokr_w1_b", Kind::LoKr, "w1b", "lycoris"},       {".lokr_w2_a", Kind::LoKr, "w2a", "lycoris"},
      {".lokr_w2_b", Kind::LoKr, "w2b", "lycoris"},       {".lokr_w1", Kind::LoKr, "w1", "lycoris"},
      {".lokr_w2", Kind::LoKr, "w2", "lycoris"},          {".lokr_t2", Kind::LoKr, "t2", "lycoris"},
  };
  return t;
}

// Tensors of patch kinds this reader does not implement, so the message can say what the file is.
const std::vector<std::pair<const char*, const char*>>& unsupported_table() {
  static const std::vector<std::pair<const char*, const char*>> t = {
      {".diff", "LyCORIS full weight difference"},       {".diff_b", "LyCORIS full weight difference"},
      {".oft_blocks", "LyCORIS OFT / BOFT"},             {".oft_diag", "LyCORIS OFT / BOFT"},
      {".a1.weight", "LyCORIS GLoRA"},                   {".b1.weight", "LyCORIS GLoRA"},
      {".w_norm", "LyCORIS norm layers"},                {".b_norm", "LyCORIS norm layers"},
      {".on_input", "LyCORIS IA3"},
  };
  return t;
}

// DoRA magnitudes, kept beside a module of any kind (role "dora").
const std::vector<const char*>& dora_suffixes() {
  static const std::vector<const char*> t = {".dora_scale", ".lora_magnitude_vector.weight", ".lora_magnitude_vector"};
  return t;
}

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::char_traits<char>::length(suffix);
  return s.size() > n && s.compare(s.size() - n, n, suffix) == 0;
}

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& what) {
  throw Error(file + ": key '" + key + "': " + what);
}

void check_values(const SafeTensors& st, const std::string& key, const at::Tensor& t) {
  if (!at::isFloatingType(t.scalar_type()))
    fail(st.path(), key, "dtype " + st.info(key).dtype + " is not a floating type (a LoRA part must be)");
  if (t.numel() > 0 && !at::isfinite(t).all().item<bool>())
    fail(st.path(), key, "holds NaN or infinite values (a broken or overflowed training run)");
}

// Shapes of one module's parts against each other; also sets rank.
void check_lora(Module& m) {
  const at::Tensor *down = m.part("down"), *up = m.part("up"), *mid = m.part("mid");
  if (!down || !up)
    fail(m.origin, m.key(down ? "down" : "up"), std::string("missing: the module has only its ") + (down ? "down" : "up") +
                                                    " half");
  auto dims_ok = [](const at::Tensor& t) { return t.dim() == 2 || t.dim() == 4; };
  if (!dims_ok(*down)) fail(m.origin, m.key("down"), "expected a 2-D or 4-D tensor, found " + shape_str(down->sizes()));
  if (!dims_ok(*up) || (up->dim() == 4 && (up->size(2) != 1 || up->size(3) != 1)))
    fail(m.origin, m.key("up"), "expected [out, rank] or [out, rank, 1, 1], found " + shape_str(up->sizes()));
  m.rank = down->size(0);
  if (up->size(1) != m.rank)
    fail(m.origin, m.key("up"), "shape " + shape_str(up->sizes()) + " does not fit '" + m.key("down") + "' " +
                                    shape_str(down->sizes()) + " (up's dim 1 must equal down's rank, dim 0)");
  if (mid && (mid->dim() != 4 || mid->size(0) != m.rank || mid->size(1) != m.rank || down->dim() != 4 ||
              down->size(2) != 1 || down->size(3) != 1))
    fail(m.origin, m.key("mid"), "shape " + shape_str(mid->sizes()) + " does not fit '" + m.key("down") + "' " +
                                     shape_str(down->sizes()) + " (expected [rank, rank, kh, kw] after a 1x1 down)");
}

void need(const Module& m, std::initializer_list<const char*> roles) {
  for (const char* r : roles)
    if (!m.part(r)) fail(m.origin, m.key(r), "missing (the module's other LyCORIS parts are present)");
}

void need_dim(const Module& m, const char* role, int64_t dim) {
  if (const at::Tensor* t = m.part(role); t && t->dim() != dim)
    fail(m.origin, m.key(role), "expected a " + std::to_string(dim) + "-D tensor, found " + shape_str(t->sizes()));
}

void mismatch(const Module& m, const char* a, const char* b, const std::string& rule) {
  fail(m.origin, m.key(a), "shape " + shape_str(m.part(a)->sizes()) + " does not fit '" + m.key(b) + "' " +
                               shape_str(m.part(b)->sizes()) + " (" + rule + ")");
}

void check_loha(Module& m) {
  need(m, {"w1a", "w1b", "w2a", "w2b"});
  for (const char* r : {"w1a", "w1b", "w2a", "w2b"}) need_dim(m, r, 2);
  const bool tucker = m.part("t1") || m.part("t2");
  if (tucker) need(m, {"t1", "t2"});
  auto s = [&](const char* r, int d) { return m.part(r)->size(d); };
  m.rank = s("w1b", 0);
  if (tucker) {
    // t [r, r, kh, kw], wa [r, out], wb [r, in]: ΔW[p, q] = Σ t[i, j] · wa[i, p] · wb[j, q]
    for (const char* w : {"1", "2"}) {
      const std::string t = std::string("t") + w, a = std::string("w") + w + "a", b = std::string("w") + w + "b";
      need_dim(m, t.c_str(), 4);
      if (s(t.c_str(), 0) != s(a.c_str(), 0)) mismatch(m, t.c_str(), a.c_str(), "t's dim 0 must equal wa's dim 0");
      if (s(t.c_str(), 1) != s(b.c_str(), 0)) mismatch(m, t.c_str(), b.c_str(), "t's dim 1 must equal wb's dim 0");
    }
    if (s("w1a", 1) != s("w2a", 1)) mismatch(m, "w1a", "w2a", "both must have the same out channels");
    if (s("w1b", 1) != s("w2b", 1)) mismatch(m, "w1b", "w2b", "both must have the same in channels");
    if (m.part("t1")->sizes().slice(2) != m.part("t2")->sizes().slice(2)) mismatch(m, "t1", "t2", "same kernel");
  } else {
    if (s("w1a", 1) != s("w1b", 0)) mismatch(m, "w1a", "w1b", "w1a's dim 1 must equal w1b's dim 0");
    if (s("w2a", 1) != s("w2b", 0)) mismatch(m, "w2a", "w2b", "w2a's dim 1 must equal w2b's dim 0");
    if (s("w1a", 0) != s("w2a", 0)) mismatch(m, "w1a", "w2a", "both products must have the same shape");
    if (s("w1b", 1) != s("w2b", 1)) mismatch(m, "w1b", "w2b", "both products must have the same shape");
  }
}

void check_lokr(Module& m) {
  if (!m.part("w1")) need(m, {"w1a", "w1b"});
  if (!m.part("w2")) need(m, {"w2a", "w2b"});
  for (const char* r : {"w1", "w1a", "w1b", "w2a", "w2b"}) need_dim(m, r, 2);
  need_dim(m, "t2", 4);
  if (const at::Tensor* w2 = m.part("w2"); w2 && w2->dim() != 2 && w2->dim() != 4)
    fail(m.origin, m.key("w2"), "expected a 2-D or 4-D tensor, found " + shape_str(w2->sizes()));
  auto s = [&](const char* r, int d) { return m.part(r)->size(d); };
  if (m.part("w1a") && s("w1a", 1) != s("w1b", 0)) mismatch(m, "w1a", "w1b", "w1a's dim 1 must equal w1b's dim 0");
  if (m.part("w2a")) {
    if (m.part("t2")) {  // t2 [r, r, kh, kw], w2a [r, b], w2b [r, d]
      if (s("t2", 0) != s("w2a", 0)) mismatch(m, "t2", "w2a", "t2's dim 0 must equal w2a's dim 0");
      if (s("t2", 1) != s("w2b", 0)) mismatch(m, "t2", "w2b", "t2's dim 1 must equal w2b's dim 0");
    } else if (s("w2a", 1) != s("w2b", 0)) {
      mismatch(m, "w2a", "w2b", "w2a's dim 1 must equal w2b's dim 0");
    }
  }
  m.rank = m.part("w1b") ? s("w1b", 0) : m.part("w2b") ? s("w2b", 0) : 0;
}

}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::LoRA: return "lora";
    case Kind::LoHa: return "loha";
    case Kind::LoKr: return "lokr";
  }
  return "?";
}

bool Module::lycoris_dora() const {
  auto it = suffixes.find("dora");
  return it != suffixes.end() && it->second == ".dora_scale";
}

const at::Tensor* Module::part(const std::string& role) const {
  auto it = parts.find(role);
  return it == parts.end() ? nullptr : &it->second;
}

std::string Module::key(const std::string& role) const {
  if (auto it = suffixes.find(role); it != suffixes.end()) return name + it->second;
  for (const auto& s : suffix_table())  // an absent part: the name this module's format gives it
    if (s.kind == kind && role == s.role && format == s.format) return name + s.suffix;
  return name + "." + role;
}

NetworkFile parse_network(const SafeTensors& st) {
  NetworkFile f;
  f.path = st.path();
  f.metadata = st.metadata();
  if (st.tensors().empty()) throw Error(f.path + ": holds no tensors (not a LoRA network)");
  std::map<std::string, Module> modules;
  std::map<std::string, std::string> alphas;  // module name -> alpha key
  std::map<std::string, std::pair<std::string, const char*>> doras;  // module name -> key, suffix
  std::set<std::string> formats;
  for (const TensorInfo& info : st.tensors()) {
    const std::string& key = info.name;
    if (key.rfind("bundle_emb.", 0) == 0) {
      ++f.ignored_tensors;
      continue;
    }
    for (const auto& [suffix, what] : unsupported_table())
      if (ends_with(key, suffix))
        fail(f.path, key, std::string("a ") + what + " tensor: this kind of network is not supported (LoRA, LoCon, "
                                                     "LoHa, LoKr and their DoRA forms are)");
    if (ends_with(key, ".alpha")) {
      alphas[key.substr(0, key.size() - 6)] = key;
      continue;
    }
    if (auto d = std::find_if(dora_suffixes().begin(), dora_suffixes().end(), [&](const char* x) { return ends_with(key, x); });
        d != dora_suffixes().end()) {
      doras[key.substr(0, key.size() - std::char_traits<char>::length(*d))] = {key, *d};
      continue;
    }
    const Suffix* match = nullptr;
    for (const auto& s : suffix_table())
      if (ends_with(key, s.suffix)) {
        match = &s;
        break;
      }
    if (!match)
      fail(f.path, key, "not a LoRA, LoCon, LoHa or LoKr tensor (expected a name ending in .lora_down.weight, "
                        ".lora_up.weight, .alpha, .lora_A.weight, .lora_B.weight, .hada_w1_a, .lokr_w1, ...)");
    const std::string name = key.substr(0, key.size() - std::char_traits<char>::length(match->suffix));
    Module& m = modules[name];
    if (m.parts.empty()) {
      m.name = name;
      m.kind = match->kind;
      m.format = match->format;
      m.origin = f.path;
    } else if (m.kind != match->kind) {
      fail(f.path, key, std::string("mixes ") + kind_name(m.kind) + " and " + kind_name(match->kind) +
                            " parts in one module");
    }
    if (m.parts.count(match->role)) fail(f.path, key, "duplicates another tensor of the same module");
    at::Tensor t = st.tensor(key);
    check_values(st, key, t);
    m.parts[match->role] = t;
    m.suffixes[match->role] = match->suffix;
    formats.insert(match->format);
  }
  for (const auto& [name, key] : alphas) {
    auto it = modules.find(name);
    if (it == modules.end()) fail(f.path, key, "an alpha without a module (no LoRA tensors share its name)");
    at::Tensor a = st.tensor(key);
    check_values(st, key, a);
    if (a.numel() != 1) fail(f.path, key, "expected one number (alpha), found shape " + shape_str(a.sizes()));
    it->second.alpha = a.to(at::kDouble).item<double>();
  }
  for (const auto& [name, ks] : doras) {
    auto it = modules.find(name);
    if (it == modules.end()) fail(f.path, ks.first, "DoRA magnitudes without a module (no LoRA tensors share its name)");
    at::Tensor d = st.tensor(ks.first);
    check_values(st, ks.first, d);
    it->second.parts["dora"] = d;
    it->second.suffixes["dora"] = ks.second;
  }
  if (modules.empty())
    throw Error(f.path + ": not a LoRA network: it holds only " + std::to_string(st.tensors().size()) +
                " bundled embedding or alpha tensors");
  for (auto& [name, m] : modules) {
    switch (m.kind) {
      case Kind::LoRA: check_lora(m); break;
      case Kind::LoHa: check_loha(m); break;
      case Kind::LoKr: check_lokr(m); break;
    }
    f.modules.push_back(std::move(m));
  }
  f.format = formats.count("lycoris") ? "lycoris" : formats.count("kohya") ? "kohya" : formats.count("peft") ? "peft"
                                                                                                               : "diffusers";
  return f;
}

NetworkFile read_network_file(const std::string& path) { return parse_network(SafeTensors::open(path)); }

}  // namespace ripen::lora
