#include "training/train_util.h"
#include <ATen/core/grad_mode.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen::training {

namespace fs = std::filesystem;

std::vector<at::Tensor> make_trainable(const ParamStore& ps) {
  std::vector<at::Tensor> out;
  for (const auto& [k, v] : ps.params()) {
    v.requires_grad_(true);
    out.push_back(v);
  }
  return out;
}

at::Generator step_generator(uint64_t seed, int64_t step) {
  return at::detail::createCPUGenerator(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step) * 7919 + 1);
}

double lr_at(const TrainOptions& o, int64_t step) {
  if (step < o.warmup) return o.lr * (step + 1) / static_cast<double>(o.warmup);
  double p = o.steps > o.warmup ? static_cast<double>(step - o.warmup) / static_cast<double>(o.steps - o.warmup) : 1.0;
  p = std::clamp(p, 0.0, 1.0);
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * p)));
}

Ema::Ema(const ParamStore& ps, double decay) : decay_(decay) {
  at::NoGradGuard g;
  for (const auto& [k, v] : ps.params()) shadow_[k] = v.detach().clone();
}

void Ema::update(const ParamStore& ps, int64_t step) {
  at::NoGradGuard g;
  double d = std::min(decay_, (1.0 + step) / (10.0 + step));
  for (const auto& [k, v] : ps.params()) shadow_.at(k).mul_(d).add_(v.detach(), 1.0 - d);
}

std::map<std::string, at::Tensor> Ema::swap_into(const ParamStore& ps) {
  at::NoGradGuard g;
  std::map<std::string, at::Tensor> old;
  for (const auto& [k, v] : ps.params()) {
    old[k] = v.detach().clone();
    v.detach().copy_(shadow_.at(k));
  }
  return old;
}

void save_checkpoint(const std::string& out_dir, const ParamStore& ps, const Ema& ema, torch::optim::Optimizer& opt,
                     const CheckpointState& state) {
  fs::path dir = fs::path(out_dir) / "checkpoint", tmp = fs::path(out_dir) / "checkpoint.new",
           old = fs::path(out_dir) / "checkpoint.old";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::map<std::string, at::Tensor> params;
  for (const auto& [k, v] : ps.params()) params[k] = v.detach();
  save_safetensors((tmp / "model.safetensors").string(), params);
  save_safetensors((tmp / "ema.safetensors").string(), ema.shadow());
  torch::serialize::OutputArchive ar;
  opt.save(ar);
  ar.save_to((tmp / "optimizer.pt").string());
  nlohmann::json j{{"step", state.step}, {"info", state.info}};
  std::ofstream((tmp / "state.json").string()) << j.dump(2) << "\n";
  fs::remove_all(old);
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(tmp, dir);
  fs::remove_all(old);
}

namespace {
fs::path existing_checkpoint(const std::string& out_dir) {
  for (const char* name : {"checkpoint", "checkpoint.old"}) {
    fs::path p = fs::path(out_dir) / name;
    if (fs::exists(p / "state.json")) return p;
  }
  return {};
}

void copy_into(const ParamStore& ps, const std::map<std::string, at::Tensor>& src, const std::string& origin) {
  at::NoGradGuard g;
  for (const auto& [k, v] : ps.params()) {
    auto it = src.find(k);
    if (it == src.end()) throw Error(origin + ": missing key '" + k + "'");
    if (it->second.sizes() != v.sizes())
      throw Error(origin + ": key '" + k + "': expected " + shape_str(v.sizes()) + ", file has " + shape_str(it->second.sizes()));
    v.detach().copy_(it->second);
  }
}
}  // namespace

bool load_checkpoint(const std::string& out_dir, const ParamStore& ps, Ema& ema, torch::optim::Optimizer& opt,
                     CheckpointState& state) {
  fs::path dir = existing_checkpoint(out_dir);
  if (dir.empty()) return false;
  copy_into(ps, SafeTensors::open((dir / "model.safetensors").string()).load_all(), (dir / "model.safetensors").string());
  auto ema_src = SafeTensors::open((dir / "ema.safetensors").string()).load_all();
  at::NoGradGuard g;
  for (auto& [k, v] : ema.shadow()) {
    auto it = ema_src.find(k);
    if (it == ema_src.end()) throw Error((dir / "ema.safetensors").string() + ": missing key '" + k + "'");
    v.copy_(it->second);
  }
  torch::serialize::InputArchive ar;
  ar.load_from((dir / "optimizer.pt").string(), ps.params().empty() ? c10::nullopt : c10::optional<at::Device>(ps.params()[0].second.device()));
  opt.load(ar);
  const fs::path state_file = dir / "state.json";
  const auto j = read_json_file(state_file);
  if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer())
    throw Error(state_file.string() + ": key 'step': missing or not an integer");
  state.step = j["step"].get<int64_t>();
  state.info.clear();
  if (j.contains("info")) {
    if (!j["info"].is_object()) throw Error(state_file.string() + ": key 'info': not an object of strings");
    for (const auto& [k, v] : j["info"].items()) {
      if (!v.is_string()) throw Error(state_file.string() + ": key 'info." + k + "': not a string");
      state.info[k] = v.get<std::string>();
    }
  }
  return true;
}

std::map<std::string, at::Tensor> load_checkpoint_weights(const std::string& out_dir, bool ema) {
  fs::path dir = existing_checkpoint(out_dir);
  if (dir.empty()) {
    // An exported diffusers component (a shipped model's vae/) stands in for a finished run.
    const fs::path exported = fs::path(out_dir) / "diffusion_pytorch_model.safetensors";
    if (fs::exists(exported)) return SafeTensors::open(exported.string()).load_all();
    throw Error(out_dir + ": no checkpoint found (train this stage first) and no exported diffusion_pytorch_model.safetensors");
  }
  return SafeTensors::open((dir / (ema ? "ema.safetensors" : "model.safetensors")).string()).load_all();
}

ProgressBar::ProgressBar(std::string label, int64_t total, int64_t start, bool enabled)
    : label_(std::move(label)), total_(total), start_(start), enabled_(enabled) {
  t0_ = last_ = std::chrono::steady_clock::now();
}

void ProgressBar::update(int64_t step, const std::string& extra) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (step < total_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - t0_).count();
  double rate = step > start_ ? (step - start_) / std::max(secs, 1e-9) : 0;
  double eta = rate > 0 ? (total_ - step) / rate : 0;
  const int width = 30;
  int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
  char buf[256];
  std::snprintf(buf, sizeof buf, "\r%s [%s%s] %lld/%lld %.2f it/s eta %dm%02ds %s", label_.c_str(),
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), static_cast<long long>(step),
                static_cast<long long>(total_), rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60, extra.c_str());
  std::cerr << buf << std::flush;
}

void ProgressBar::finish() {
  if (enabled_) std::cerr << "\n";
}

LossLog::LossLog(std::string out_dir, std::vector<std::string> extra_columns, int64_t resume_step, ImageWriter write_image)
    : csv_((fs::path(out_dir) / "loss.csv").string()),
      png_((fs::path(out_dir) / "loss.png").string()),
      write_image_(std::move(write_image)) {
  t0_ = std::chrono::steady_clock::now();
  std::vector<std::string> kept;
  if (resume_step > 0 && fs::exists(csv_)) {
    std::ifstream in(csv_);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream s(line);
      std::string step, loss, lr, secs;
      std::getline(s, step, ',');
      std::getline(s, loss, ',');
      std::getline(s, lr, ',');
      std::getline(s, secs, ',');
      if (std::stoll(step) > resume_step) break;
      points_.emplace_back(std::stoll(step), std::stod(loss));
      seconds_offset_ = std::stod(secs);
      kept.push_back(line);
    }
  }
  std::ofstream out(csv_, std::ios::trunc);
  out << "step,loss,lr,seconds";
  for (const auto& c : extra_columns) out << "," << c;
  out << "\n";
  for (const auto& l : kept) out << l << "\n";
}

void LossLog::add(int64_t step, double loss, double lr, const std::vector<double>& extra) {
  double secs = seconds_offset_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  std::ofstream out(csv_, std::ios::app);
  out << step << "," << loss << "," << lr << "," << secs;
  for (double e : extra) out << "," << e;
  out << "\n";
  points_.emplace_back(step, loss);
}

void LossLog::write_plot() const {
  if (write_image_) write_image_(png_, plot_loss(points_));
}

Image8 plot_loss(const std::vector<std::pair<int64_t, double>>& points) {
  const int W = 640, H = 360, L = 40, R = 10, T = 10, B = 30;
  Image8 img{W, H, 3, std::vector<uint8_t>(W * H * 3, 255)};
  auto put = [&](int x, int y, uint8_t r, uint8_t g, uint8_t b) {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    uint8_t* p = img.at(x, y);
    p[0] = r, p[1] = g, p[2] = b;
  };
  auto line = [&](int x0, int y0, int x1, int y1, uint8_t r, uint8_t g, uint8_t b) {
    int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    while (true) {
      put(x0, y0, r, g, b);
      if (x0 == x1 && y0 == y1) break;
      int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  };
  line(L, T, L, H - B, 0, 0, 0);
  line(L, H - B, W - R, H - B, 0, 0, 0);
  std::vector<std::pair<int64_t, double>> pts;
  for (const auto& p : points)
    if (std::isfinite(p.second) && p.second > 0) pts.push_back(p);
  if (pts.size() >= 2) {
    double lo = 1e300, hi = -1e300;
    for (const auto& p : pts) lo = std::min(lo, std::log10(p.second)), hi = std::max(hi, std::log10(p.second));
    if (hi - lo < 1e-6) hi = lo + 1;
    // grid at each power of ten (tick marks on the y axis) and ten vertical lines
    for (int d = static_cast<int>(std::ceil(lo)); d <= static_cast<int>(std::floor(hi)); ++d) {
      int y = H - B - static_cast<int>((d - lo) / (hi - lo) * (H - B - T));
      for (int x = L; x < W - R; x += 3) put(x, y, 190, 190, 190);
    }
    for (int i = 1; i <= 10; ++i) {
      int x = L + (W - R - L) * i / 10;
      for (int y = T; y < H - B; y += 3) put(x, y, 220, 220, 220);
    }
    double x0 = static_cast<double>(pts.front().first), x1 = static_cast<double>(std::max(pts.back().first, pts.front().first + 1));
    auto px = [&](double step) { return L + static_cast<int>((step - x0) / (x1 - x0) * (W - R - L)); };
    auto py = [&](double v) { return H - B - static_cast<int>((std::log10(v) - lo) / (hi - lo) * (H - B - T)); };
    for (size_t i = 1; i < pts.size(); ++i)
      line(px(pts[i - 1].first), py(pts[i - 1].second), px(pts[i].first), py(pts[i].second), 160, 190, 240);
    double s = pts[0].second;  // exponential moving average, drawn dark
    int lx = px(pts[0].first), ly = py(s);
    for (size_t i = 1; i < pts.size(); ++i) {
      s = 0.95 * s + 0.05 * pts[i].second;
      int x = px(pts[i].first), y = py(s);
      line(lx, ly, x, y, 20, 60, 160);
      lx = x, ly = y;
    }
  }
  return img;
}

}  // namespace ripen::training

namespace ripen::training {

double run_training_loop(const TrainOptions& o, const std::string& label, const ParamStore& ps,
                         torch::optim::Optimizer& opt, Ema& ema, CheckpointState& state,
                         const std::function<at::Tensor(int64_t step)>& loss_fn, double clip_norm) {
  std::vector<at::Tensor> params;
  for (const auto& [k, v] : ps.params()) params.push_back(v);
  LossLog log(o.out_dir, {}, state.step, o.write_image);
  ProgressBar bar(label, o.steps, state.step, !o.quiet);
  const auto t0 = std::chrono::steady_clock::now();
  double avg = 0;
  const int64_t first = state.step;
  for (int64_t step = first; step < o.steps; ++step) {
    double lr = lr_at(o, step);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    at::Tensor loss = loss_fn(step);
    opt.zero_grad();
    loss.backward();
    if (clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, clip_norm);
    opt.step();
    ema.update(ps, step);
    double lv = loss.item<double>();
    if (!std::isfinite(lv)) throw Error(label + ": loss is not finite at step " + std::to_string(step));
    avg = step == first ? lv : 0.98 * avg + 0.02 * lv;
    if ((step + 1) % o.log_every == 0 || step + 1 == o.steps) log.add(step + 1, lv, lr);
    std::ostringstream extra;
    extra << "loss " << avg;
    bar.update(step + 1, extra.str());
    bool out_of_time = o.max_minutes > 0 &&
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > 60 * o.max_minutes;
    bool stop = (o.stop_at > 0 && step + 1 >= o.stop_at) || out_of_time;
    if ((step + 1) % o.checkpoint_every == 0 || step + 1 == o.steps || stop) {
      state.step = step + 1;
      save_checkpoint(o.out_dir, ps, ema, opt, state);
      log.write_plot();
    }
    if (stop) break;
  }
  bar.finish();
  return avg;
}

}  // namespace ripen::training
