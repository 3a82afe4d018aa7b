#include "sampling/prediction.h"

#include "tensors/error.h"

namespace ripen::sampling {

std::string prediction_name(Prediction p) { return p == Prediction::V ? "v_prediction" : "epsilon"; }

Prediction parse_prediction(const std::string& s) {
  if (s == "eps" || s == "epsilon") return Prediction::Epsilon;
  if (s == "v" || s == "v_prediction") return Prediction::V;
  throw Error("unknown prediction type '" + s + "' (eps, v)");
}

}  // namespace ripen::sampling
