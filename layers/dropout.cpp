// Dropout over the differentiable dropout() op, which draws one Philox mask per call.
#include "layers/dropout.h"

#include "core/ops/dropout.h"
#include "layers/repr.h"

namespace minidl::nn {

Dropout::Dropout(double drop_prob) : Module("Dropout"), drop_prob_(drop_prob) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError, "Dropout: drop_prob must be in [0, 1], got ",
               drop_prob);
}

Tensor Dropout::forward(const Tensor& input) { return dropout(input, drop_prob_, is_training(), generator_); }

std::string Dropout::extra_repr() const {
  return detail::str_cat("p=", repr::py_float(drop_prob_), ", inplace=False");
}

}  // namespace minidl::nn
