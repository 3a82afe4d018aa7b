#pragma once
// What a network predicts: the noise ε or v (Salimans & Ho). A property of the model (models/ detects it) that
// the denoiser wrapping needs (sampling/cfg_denoiser.h); plain data, no libtorch.
#include <string>

namespace ripen::sampling {

enum class Prediction { Epsilon, V };

std::string prediction_name(Prediction p);          // "epsilon", "v_prediction" (diffusers' names)
Prediction parse_prediction(const std::string& s);  // "eps"/"epsilon"/"v"/"v_prediction"; throws ripen::Error

}  // namespace ripen::sampling
