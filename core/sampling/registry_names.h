#pragma once
// The names the sampler registry (sampler_registry.cpp) and the schedule registry (schedule_registry.cpp) hold,
// in menu order, for code that lists or checks them without libtorch headers: CLI help, GUI menus, presets.
// These are the only lists; defined beside the registries, in ripen_sampling.
#include <string>
#include <vector>

namespace ripen::sampling {

std::vector<std::string> sampler_names();
std::vector<std::string> schedule_names();
bool is_sampler_name(const std::string& name);
bool is_schedule_name(const std::string& name);

// "a, b, c" (for messages and help text).
std::string joined_names(const std::vector<std::string>& names, const std::string& separator = ", ");

}  // namespace ripen::sampling
