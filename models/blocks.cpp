// The shared model pieces; the conv has no bias because the batch norm after it has one.
#include "models/blocks.h"

#include <algorithm>

#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv.h"

namespace minidl::models {

int64_t scaled_channels(int64_t channels, double width) {
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(channels) * width + 0.5));
}

std::shared_ptr<nn::Sequential> conv_bn_relu(int64_t in_channels, int64_t out_channels) {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(in_channels, out_channels,
                                   nn::Conv2dOptions{.kernel_size = 3, .padding = 1, .bias = false}),
      std::make_shared<nn::BatchNorm2d>(out_channels), std::make_shared<nn::ReLU>()});
}

void check_model_args(const std::string& model, int64_t num_classes, double width, double dropout) {
  MINIDL_CHECK(num_classes > 0, ValueError, model, ": num_classes must be positive, got ", num_classes);
  MINIDL_CHECK(width > 0.0, ValueError, model, ": width must be positive, got ", width);
  MINIDL_CHECK(dropout >= 0.0 && dropout < 1.0, ValueError, model, ": dropout must be in [0, 1), got ",
               dropout);
}

}  // namespace minidl::models
