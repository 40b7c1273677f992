// ResNet-18's blocks. The stochastic-depth keep mask has one entry per sample, broadcast over
// (C, H, W), and is drawn only in training with a positive drop probability.
#include "models/resnet18.h"

#include "core/ops/elementwise.h"
#include "core/ops/pooling.h"
#include "core/random.h"
#include "models/blocks.h"

namespace minidl::models {
namespace {

std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<nn::Conv2d>(
      in, out, nn::Conv2dOptions{.kernel_size = 3, .stride = stride, .padding = 1, .bias = false});
}

}  // namespace

BasicBlock::BasicBlock(int64_t in_channels, int64_t out_channels, int64_t stride, double drop_prob)
    : Module("BasicBlock"), drop_prob_(drop_prob) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError,
               "BasicBlock: drop_prob must be in [0, 1], got ", drop_prob);
  conv1 = register_module("conv1", conv3x3(in_channels, out_channels, stride));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(out_channels));
  conv2 = register_module("conv2", conv3x3(out_channels, out_channels, 1));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    downsample = register_module(
        "downsample", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
                          std::make_shared<nn::Conv2d>(
                              in_channels, out_channels,
                              nn::Conv2dOptions{.kernel_size = 1, .stride = stride, .bias = false}),
                          std::make_shared<nn::BatchNorm2d>(out_channels)}));
  }
}

Tensor BasicBlock::forward(const Tensor& input) {
  Tensor branch = bn2->forward(conv2->forward(relu(bn1->forward(conv1->forward(input)))));
  if (is_training() && drop_prob_ > 0.0) {
    const double keep = 1.0 - drop_prob_;
    Tensor mask = bernoulli({input.size(0), 1, 1, 1}, keep,
                            {.dtype = branch.dtype(), .device = branch.device()}, generator_);
    branch = keep > 0.0 ? branch * (mask / keep) : branch * mask;  // torchvision: no rescale at keep 0
  }
  return relu(branch + (downsample ? downsample->forward(input) : input));
}

ResNet18::ResNet18(ResNet18Options options) : Module("ResNet18"), options_(options) {
  check_model_args("ResNet18", options.num_classes, options.width);
  MINIDL_CHECK(options.stochastic_depth >= 0.0 && options.stochastic_depth <= 1.0, ValueError,
               "ResNet18: stochastic_depth must be in [0, 1], got ", options.stochastic_depth);
  const int64_t stem = scaled_channels(64, options.width);
  conv1 = register_module("conv1", conv3x3(3, stem, 1));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(stem));
  int64_t in = stem, block_index = 0;
  std::shared_ptr<nn::Sequential>* layers[] = {&layer1, &layer2, &layer3, &layer4};
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t out = scaled_channels(int64_t{64} << i, options.width);
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < 2; ++b, ++block_index) {
      const double drop = options.stochastic_depth * static_cast<double>(block_index) / 8.0;
      layer->push_back(std::make_shared<BasicBlock>(in, out, b == 0 && i > 0 ? 2 : 1, drop));
      in = out;
    }
    *layers[i] = register_module("layer" + std::to_string(i + 1), layer);
  }
  fc = register_module("fc", std::make_shared<nn::Linear>(in, options.num_classes));
}

Tensor ResNet18::forward(const Tensor& input) {
  MINIDL_CHECK(input.dim() == 4 && input.size(1) == 3, ShapeError,
               "ResNet18: expected input [N, 3, H, W], got ", shape_str(input.shape()));
  Tensor x = relu(bn1->forward(conv1->forward(input)));
  x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
  return fc->forward(global_avg_pool2d(x).flatten(1));
}

}  // namespace minidl::models
