// Linear and DropConnectLinear over the differentiable linear() and dropconnect_weight().
#include "layers/linear.h"

#include "core/ops/dropout.h"
#include "core/ops/linalg.h"
#include "layers/init.h"
#include "layers/repr.h"

namespace minidl::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Linear("Linear", in_features, out_features, bias) {}

Linear::Linear(std::string type_name, int64_t in_features, int64_t out_features, bool bias)
    : Module(std::move(type_name)), in_features_(in_features), out_features_(out_features) {
  MINIDL_CHECK(in_features >= 0 && out_features >= 0, ValueError, this->type_name(),
               ": feature counts must be non-negative, got in_features ", in_features, ", out_features ",
               out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  this->bias = register_parameter("bias", bias ? empty({out_features}) : Tensor());
  init::default_layer_init_(weight, this->bias);
}

void Linear::check_input(const Tensor& input) const {
  MINIDL_CHECK(input.dim() >= 1 && input.size(-1) == in_features_, ShapeError, type_name(), "(", in_features_,
               ", ", out_features_, "): input of shape ", shape_str(input.shape()), " does not end in ",
               in_features_, " features");
}

Tensor Linear::forward(const Tensor& input) {
  check_input(input);
  return linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
  return detail::str_cat("in_features=", in_features_, ", out_features=", out_features_,
                         ", bias=", repr::py_bool(bias.defined()));
}

DropConnectLinear::DropConnectLinear(int64_t in_features, int64_t out_features, double drop_prob, bool bias)
    : Linear("DropConnectLinear", in_features, out_features, bias), drop_prob_(drop_prob) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError,
               "DropConnectLinear: drop_prob must be in [0, 1], got ", drop_prob);
}

std::string DropConnectLinear::extra_repr() const {
  return detail::str_cat(Linear::extra_repr(), ", drop_prob=", repr::py_float(drop_prob_));
}

Tensor DropConnectLinear::forward(const Tensor& input) {
  check_input(input);
  return linear(input, dropconnect_weight(weight, drop_prob_, is_training(), generator_), bias);
}

}  // namespace minidl::nn
