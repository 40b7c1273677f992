// ResNet-9's layers. The residual adds without a ReLU after it, as in Page's network.
#include "models/resnet9.h"

#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "layers/pooling.h"
#include "models/blocks.h"

namespace minidl::models {

ResNet9Layer::ResNet9Layer(int64_t in_channels, int64_t out_channels, bool residual)
    : Module("ResNet9Layer") {
  conv = register_module("conv", conv_bn_relu(in_channels, out_channels));
  conv->push_back(std::make_shared<nn::MaxPool2d>(2));
  if (residual) {
    res1 = register_module("res1", conv_bn_relu(out_channels, out_channels));
    res2 = register_module("res2", conv_bn_relu(out_channels, out_channels));
  }
}

Tensor ResNet9Layer::forward(const Tensor& input) {
  Tensor y = (*conv)(input);
  if (!res1) return y;
  return y + (*res2)((*res1)(y));
}

ResNet9::ResNet9(ResNet9Options options) : Module("ResNet9"), options_(options) {
  check_model_args("ResNet9", options.num_classes, options.width);
  const auto c = [&](int64_t base) { return scaled_channels(base, options.width); };
  prep = register_module("prep", conv_bn_relu(3, c(64)));
  layer1 = register_module("layer1", std::make_shared<ResNet9Layer>(c(64), c(128), true));
  layer2 = register_module("layer2", std::make_shared<ResNet9Layer>(c(128), c(256), false));
  layer3 = register_module("layer3", std::make_shared<ResNet9Layer>(c(256), c(512), true));
  fc = register_module("fc", std::make_shared<nn::Linear>(c(512), options.num_classes, false));
}

Tensor ResNet9::forward(const Tensor& input) {
  MINIDL_CHECK(input.dim() == 4 && input.size(1) == 3 && input.size(2) >= 8 && input.size(3) >= 8, ShapeError,
               "ResNet9: expected input [N, 3, H, W] with H, W >= 8, got ", shape_str(input.shape()));
  Tensor x = (*layer3)((*layer2)((*layer1)((*prep)(input))));
  x = max(x.flatten(2), 2);  // global max pool: [N, C, H*W] -> [N, C]
  return (*fc)(x)*options_.scale;
}

}  // namespace minidl::models
