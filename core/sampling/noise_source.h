#pragma once
// Where a run's noise comes from (see sampling/noise.h for the generators). The one definition of the names:
// plain data, no libtorch, so the request types, the library and image export share it with the engine.
#include <string>
#include <vector>

namespace ripen::sampling {

enum class NoiseSource { Cpu, Philox };

std::string to_string(NoiseSource source);                       // "cpu" | "philox"
NoiseSource noise_source_from_string(const std::string& name);  // throws ripen::Error naming the choices
std::vector<std::string> noise_source_names();

}  // namespace ripen::sampling
