#pragma once
#include <stdexcept>
#include <string>

namespace ripen {

// Every engine error carries what failed in words a user can act on; where a file or key is involved
// the message names it ("model.safetensors: key 'unet.conv_in.weight': ...").
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ripen
