// ripen-cli library list|search|show|lineage|export|import|merge|check|stats|fill|bench [--library PATH] [--json]
#ifdef RIPEN_HAVE_LIBRARY
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench/library_bench.h"
#include "bench/library_fill.h"
#include "cli/command.h"
#include "imageio/export.h"
#include "imageio/metadata_read.h"
#include "library/disk_usage.h"
#include "library/import.h"
#include "library/library.h"
#include "library/merge.h"
#include "pipeline/presets.h"
#include "tensors/error.h"

namespace ripen::cli {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using library::Generation;
using library::Library;

json to_json(const Generation& g) {
  return {{"id", g.id},           {"created_at_ms", g.created_at_ms}, {"mode", g.mode},
          {"favourite", g.favourite}, {"rating", g.rating},           {"tags", g.tags},
          {"image", g.image_path}, {"source", g.source},             {"batch_index", g.batch_index},
          {"request", g.request.to_json()}, {"record", g.record.to_json()}, {"job_id", g.job_id}};
}

void print_line(const Generation& g) {
  std::string p = g.request.prompt.size() > 60 ? g.request.prompt.substr(0, 57) + "..." : g.request.prompt;
  std::cout << g.id << "\t" << g.mode << "\tseed " << g.request.seed << "\t" << (g.favourite ? "*" : " ") << "\t" << p
            << "\n";
}

void print_list(const std::vector<Generation>& v, bool as_json, const std::optional<library::PageCursor>& next = {}) {
  if (as_json) {
    json items = json::array();
    for (const auto& g : v) items.push_back(to_json(g));
    json out = {{"items", items}};
    if (next) out["next"] = std::to_string(next->created_at_ms) + ":" + std::to_string(next->id);
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& g : v) print_line(g);
    if (next) std::cout << "(more: --after " << next->created_at_ms << ":" << next->id << ")\n";
  }
}

Library open_library(Args& a, bool create) {
  fs::path p = a.get_or("--library", Library::default_path().string());
  Library::Options o;
  o.create = create;
  Library lib(p, o);
  if (lib.read_only()) std::cerr << lib.notice() << "\n";
  return lib;
}

int64_t need_id(Args& a, size_t pos) {
  if (a.positional().size() <= pos) throw UsageError{"missing generation id"};
  try {
    return std::stoll(a.positional()[pos]);
  } catch (...) {
    throw UsageError{"'" + a.positional()[pos] + "' is not a generation id"};
  }
}

library::GalleryFilter read_filter(Args& a) {
  library::GalleryFilter f;
  f.text = a.get_or("--text", "");
  if (auto m = a.get("--model")) f.model = *m;
  if (auto m = a.get("--mode")) f.mode = *m;
  if (a.flag("--favourite")) f.favourite = true;
  if (auto t = a.get("--tag")) f.tag = *t;
  if (auto v = a.get("--from-ms")) f.from_ms = std::stoll(*v);
  if (auto v = a.get("--to-ms")) f.to_ms = std::stoll(*v);
  return f;
}

std::optional<library::PageCursor> read_cursor(Args& a) {
  auto v = a.get("--after");
  if (!v) return std::nullopt;
  auto colon = v->find(':');
  if (colon == std::string::npos) throw UsageError{"--after expects CREATED_MS:ID (printed by the previous page)"};
  return library::PageCursor{std::stoll(v->substr(0, colon)), std::stoll(v->substr(colon + 1))};
}

int run_library(Args& a) {
  if (a.positional().empty())
    throw UsageError{"usage: ripen-cli library list|search|show|lineage|export|import|merge|check|stats|fill|bench [--library PATH] [--json]"};
  const std::string sub = a.positional()[0];
  const bool as_json = a.flag("--json");

  if (sub == "list" || sub == "search") {
    Library lib = open_library(a, false);
    auto f = read_filter(a);
    if (sub == "search") {
      if (a.positional().size() < 2) throw UsageError{"library search needs words to look for"};
      for (size_t i = 1; i < a.positional().size(); ++i) f.text += " " + a.positional()[i];
    }
    int limit = a.get_int("--limit", 60);
    auto after = read_cursor(a);
    a.finish();
    auto page = lib.page(f, limit, after);
    print_list(page.items, as_json, page.next);
    return 0;
  }
  if (sub == "show") {
    Library lib = open_library(a, false);
    int64_t id = need_id(a, 1);
    a.finish();
    auto g = lib.get(id);
    if (!g) throw Error("no generation " + std::to_string(id) + " in " + lib.dir().string());
    json j = to_json(*g);
    j["image_file"] = lib.image_file(*g).string();
    if (as_json) {
      std::cout << j.dump(2) << "\n";
    } else {
      // What ran, from the plan the row keeps (the request's fields are not what the presets run).
      const SamplingPlan plan = plan_of(g->request, g->record);
      const RunSummary run = summarize_run(plan, g->record.base_steps_used());
      std::cout << "id " << g->id << " (" << g->mode << ", " << g->source << ")\nimage " << lib.image_file(*g).string()
                << "\nprompt: " << g->request.prompt << "\nnegative: " << g->request.negative_prompt << "\nseed "
                << g->request.seed << ", " << g->request.width << "x" << g->request.height << ", " << run.sampler
                << "/" << plan.schedule << ", " << plan.steps << " steps (used " << g->record.steps_used
                << "), cfg " << run.cfg << "\nmodel " << g->record.model_name << " " << g->record.model_hash
                << "\n";
    }
    return 0;
  }
  if (sub == "lineage") {
    Library lib = open_library(a, false);
    int64_t id = need_id(a, 1);
    a.finish();
    auto anc = lib.ancestors(id), kids = lib.descendants(id), same = lib.same_seed_other_modes(id);
    if (as_json) {
      auto arr = [](const std::vector<Generation>& v) {
        json a = json::array();
        for (auto& g : v) a.push_back(to_json(g));
        return a;
      };
      std::cout << json{{"id", id}, {"ancestors", arr(anc)}, {"descendants", arr(kids)}, {"same_seed", arr(same)}}.dump(2)
                << "\n";
    } else {
      std::cout << "ancestors:\n";
      for (auto& g : anc) print_line(g);
      std::cout << "descendants:\n";
      for (auto& g : kids) print_line(g);
      std::cout << "same seed, other modes:\n";
      for (auto& g : same) print_line(g);
    }
    return 0;
  }
  if (sub == "export") {
    Library lib = open_library(a, false);
    auto fmt_name = a.get_or("--format", "png");
    auto fmt = imageio::format_from_name(fmt_name);
    if (!fmt) throw UsageError{"unknown --format '" + fmt_name + "' (png, png16, jpeg, tiff16, exr, webp)"};
    imageio::ExportOptions o;
    o.format = *fmt;
    o.jpeg_quality = a.get_int("--quality", 92);
    fs::path out = a.require("--out");
    std::string tpl = a.get_or("--name", "{seed}_{mode}_{prompt:20}");
    std::vector<int64_t> ids;
    for (size_t i = 1; i < a.positional().size(); ++i) ids.push_back(need_id(a, i));
    bool all_favs = a.flag("--favourites");
    a.finish();
    if (all_favs) {
      library::GalleryFilter f;
      f.favourite = true;
      for (std::optional<library::PageCursor> cur;;) {
        auto p = lib.page(f, 500, cur);
        for (auto& g : p.items) ids.push_back(g.id);
        if (!(cur = p.next)) break;
      }
    }
    if (ids.empty()) throw UsageError{"library export needs generation ids (or --favourites)"};
    fs::create_directories(out);
    json written = json::array();
    for (int64_t id : ids) {
      auto g = lib.get(id);
      if (!g) throw Error("no generation " + std::to_string(id));
      Image px = imageio::read_image(lib.image_file(*g));
      std::string base = imageio::expand_name_template(tpl, g->request, g->record, g->id);
      fs::path dest = out / (base + imageio::format_extension(*fmt));
      for (int n = 2; fs::exists(dest); ++n) dest = out / (base + "_" + std::to_string(n) + imageio::format_extension(*fmt));
      imageio::export_image(dest, px, nullptr, g->request, g->record, o);
      written.push_back(dest.string());
      if (!as_json) std::cout << dest.string() << "\n";
    }
    if (as_json) std::cout << json{{"written", written}}.dump(2) << "\n";
    return 0;
  }
  if (sub == "import") {
    Library lib = open_library(a, true);
    if (a.positional().size() < 2) throw UsageError{"library import needs a file or folder"};
    a.finish();
    library::ImportReport total;
    for (size_t i = 1; i < a.positional().size(); ++i) {
      auto r = library::import_path(lib, a.positional()[i]);
      total.imported += r.imported;
      total.already_present += r.already_present;
      total.without_metadata += r.without_metadata;
      total.failed += r.failed;
      total.ids.insert(total.ids.end(), r.ids.begin(), r.ids.end());
      total.problems.insert(total.problems.end(), r.problems.begin(), r.problems.end());
    }
    if (as_json) {
      std::cout << json{{"imported", total.imported}, {"already_present", total.already_present},
                        {"without_metadata", total.without_metadata}, {"failed", total.failed}, {"ids", total.ids},
                        {"problems", total.problems}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "imported " << total.imported << ", already present " << total.already_present
                << ", without settings " << total.without_metadata << ", failed " << total.failed << "\n";
      for (auto& p : total.problems) std::cerr << "  " << p << "\n";
    }
    return total.failed ? 1 : 0;
  }
  if (sub == "merge") {
    const std::string into_dir = a.require("--into");
    a.finish();
    std::vector<fs::path> shards;
    for (size_t i = 1; i < a.positional().size(); ++i)
      for (const auto& s : library::shard_libraries(a.positional()[i])) shards.push_back(s);
    if (shards.empty()) throw UsageError{"library merge needs shard libraries: library merge SHARD... --into DIR"};
    Library into(into_dir);
    const library::MergeReport r = library::merge_libraries(into, shards);
    json per = json::array(), conflicts = json::array();
    for (const auto& s : r.shards)
      per.push_back({{"library", s.dir.string()}, {"rows", s.rows}, {"added", s.added}, {"duplicates", s.duplicates},
                     {"conflicts", s.conflicts}});
    for (const auto& c : r.conflicts) {
      conflicts.push_back({{"job_id", c.job_id}, {"shard", c.shard.string()}, {"shard_id", c.shard_id},
                           {"into_id", c.into_id}, {"shard_pixels", c.shard_pixels}, {"into_pixels", c.into_pixels}});
      std::cerr << "conflict: job " << c.job_id << ": " << c.shard.string() << " row " << c.shard_id
                << " has other pixels (" << c.shard_pixels << ") than row " << c.into_id << " of " << into_dir << " ("
                << c.into_pixels << "); kept the row already there\n";
    }
    if (as_json)
      std::cout << json{{"into", into_dir}, {"added", r.added}, {"duplicates", r.duplicates}, {"shards", per},
                        {"conflicts", conflicts}}
                       .dump(2)
                << "\n";
    else
      std::cout << "merged " << shards.size() << " libraries into " << into_dir << ": " << r.added << " added, "
                << r.duplicates << " already there, " << r.conflicts.size() << " conflicts\n";
    return r.conflicts.empty() ? 0 : 1;
  }
  if (sub == "check") {
    Library lib = open_library(a, false);
    bool repair = a.flag("--repair");
    a.finish();
    auto r = lib.check(repair);
    if (as_json) {
      std::cout << json{{"integrity_ok", r.integrity_ok}, {"integrity", r.integrity},
                        {"rows_without_file", r.rows_without_file}, {"files_without_row", r.files_without_row},
                        {"temp_files", r.temp_files}, {"rows_without_latents", r.rows_without_latents},
                        {"latents_without_row", r.latents_without_row}, {"rows_removed", r.rows_removed},
                        {"files_adopted", r.files_adopted}, {"files_removed", r.files_removed}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "integrity: " << r.integrity << "\nrows without file: " << r.rows_without_file.size()
                << "\nfiles without row: " << r.files_without_row.size() << "\nleftover temp files: " << r.temp_files.size()
                << "\nrows whose latents are gone: " << r.rows_without_latents.size()
                << "\nlatents without row: " << r.latents_without_row.size() << "\n";
      if (repair)
        std::cout << "repaired: " << r.rows_removed << " rows removed, " << r.files_adopted << " files adopted, "
                  << r.files_removed << " files removed or set aside\n";
    }
    return r.integrity_ok && (repair || r.clean()) ? 0 : 1;
  }
  if (sub == "stats") {
    Library lib = open_library(a, false);
    a.finish();
    const auto t0 = std::chrono::steady_clock::now();
    const library::Statistics st = lib.statistics();
    const double query_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const library::DiskUsage du = library::disk_usage(lib.dir());
    json models = json::array();
    for (const auto& [name, n] : st.top_models) models.push_back({{"model", name}, {"generations", n}});
    const json j = {{"library", lib.dir().string()}, {"generations", st.generations}, {"favourites", st.favourites},
                    {"models", st.models}, {"collections", st.collections}, {"by_mode", st.by_mode},
                    {"by_source", st.by_source}, {"top_models", models}, {"mean_steps_used", st.mean_steps_used},
                    {"mean_seconds", st.mean_seconds}, {"first_ms", st.first_ms}, {"last_ms", st.last_ms},
                    {"disk", {{"total_bytes", du.total()}, {"database_bytes", du.database_bytes},
                              {"image_bytes", du.image_bytes}, {"image_files", du.image_files},
                              {"latents_bytes", du.latents_bytes}, {"latents_files", du.latents_files},
                              {"thumbnail_bytes", du.thumbnail_bytes}, {"thumbnail_files", du.thumbnail_files},
                              {"other_bytes", du.other_bytes}}},
                    {"statistics_query_ms", query_ms}};
    if (as_json) {
      std::cout << j.dump(2) << "\n";
    } else {
      auto mb = [](int64_t b) { return std::to_string(b / 1000000) + " MB"; };
      std::cout << st.generations << " generations (" << st.favourites << " favourites), " << st.models
                << " models, " << st.collections << " collections\non disk " << mb(du.total()) << ": database "
                << mb(du.database_bytes) << ", " << du.image_files << " images " << mb(du.image_bytes) << ", "
                << du.latents_files << " latents " << mb(du.latents_bytes) << ", " << du.thumbnail_files
                << " thumbnails " << mb(du.thumbnail_bytes) << "\nby model:\n";
      for (const auto& [name, n] : st.top_models) std::cout << "  " << name << "\t" << n << "\n";
      std::cout << "by mode:\n";
      for (const auto& [mode, n] : st.by_mode) std::cout << "  " << mode << "\t" << n << "\n";
      std::cout << "mean steps used " << st.mean_steps_used << ", mean seconds " << st.mean_seconds << "\n";
    }
    return 0;
  }
  if (sub == "fill") {
    library::FillOptions o;
    o.count = a.get_int("--count", 100000);
    o.image_size = a.get_int("--size", o.image_size);
    o.seed = static_cast<uint64_t>(a.get_int("--seed", 1));
    Library lib = open_library(a, true);
    a.finish();
    const library::FillResult r = library::fill_library(lib, o);
    if (as_json)
      std::cout << json{{"library", lib.dir().string()}, {"rows", r.rows}, {"seconds", r.seconds}}.dump(2) << "\n";
    else
      std::cout << "filled " << lib.dir().string() << " with " << r.rows << " generations in " << r.seconds << " s\n";
    return 0;
  }
  if (sub == "bench") {
    int count = a.get_int("--count", 100000);
    fs::path dir = a.get_or("--library", (fs::temp_directory_path() / ("ripen-library-bench-" +
                                                                       std::to_string(::getpid()))).string());
    a.finish();
    auto r = library::run_bench(dir, count);
    if (as_json) {
      json j = {{"count", r.count}, {"fill_seconds", r.fill_seconds}, {"library", dir.string()}};
      for (auto& [k, v] : r.ms) j[k + "_ms"] = v;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << r.count << " generations filled in " << r.fill_seconds << " s (" << dir.string() << ")\n";
      for (auto& [k, v] : r.ms) std::cout << "  " << k << ": " << v << " ms\n";
    }
    return 0;
  }
  throw UsageError{"unknown library command '" + sub + "' (list, search, show, lineage, export, import, merge, check, stats, fill, bench)"};
}

RegisterCommand reg{{"library",
                     "seed library: list, search, show, lineage, export, import, merge, check, stats, fill, bench",
                     run_library,
                     {"--json", "--repair", "--favourite", "--favourites"}}};
}  // namespace
}  // namespace ripen::cli
#endif
