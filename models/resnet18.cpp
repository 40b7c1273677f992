// ResNet-18's stem, stages of nn::ResidualBlock, and head.
#include "models/resnet18.h"

#include "core/ops/elementwise.h"
#include "core/ops/pooling.h"
#include "models/blocks.h"

namespace minidl::models {

ResNet18::ResNet18(ResNet18Options options) : Module("ResNet18"), options_(options) {
  check_model_args("ResNet18", options.num_classes, options.width);
  MINIDL_CHECK(options.stochastic_depth >= 0.0 && options.stochastic_depth <= 1.0, ValueError,
               "ResNet18: stochastic_depth must be in [0, 1], got ", options.stochastic_depth);
  const int64_t stem = scaled_channels(64, options.width);
  conv1 = register_module("conv1",
                          std::make_shared<nn::Conv2d>(
                              3, stem, nn::Conv2dOptions{.kernel_size = 3, .padding = 1, .bias = false}));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(stem));
  const std::vector<double> drop_probs = nn::linear_drop_probs(8, options.stochastic_depth);
  std::shared_ptr<nn::Sequential>* layers[] = {&layer1, &layer2, &layer3, &layer4};
  int64_t in = stem;
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t out = scaled_channels(int64_t{64} << i, options.width);
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < 2; ++b) {
      layer->push_back(std::make_shared<nn::ResidualBlock>(
          in, out,
          nn::ResidualBlockOptions{.stride = b == 0 && i > 0 ? 2 : 1,
                                   .drop_prob = drop_probs[static_cast<std::size_t>(2 * i + b)]}));
      in = out;
    }
    *layers[i] = register_module("layer" + std::to_string(i + 1), layer);
  }
  fc = register_module("fc", std::make_shared<nn::Linear>(in, options.num_classes));
}

Tensor ResNet18::forward(const Tensor& input) {
  MINIDL_CHECK(input.dim() == 4 && input.size(1) == 3, ShapeError,
               "ResNet18: expected input [N, 3, H, W], got ", shape_str(input.shape()));
  Tensor x = relu((*bn1)((*conv1)(input)));
  x = (*layer4)((*layer3)((*layer2)((*layer1)(x))));
  return (*fc)(global_avg_pool2d(x).flatten(1));
}

}  // namespace minidl::models
