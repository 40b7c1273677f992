// SmallCNN's layers, built flat so the state-dict keys are PyTorch's features.N.* names.
#include "models/small_cnn.h"

#include "layers/nn.h"
#include "models/blocks.h"

namespace minidl::models {

SmallCNN::SmallCNN(SmallCNNOptions options) : Module("SmallCNN"), options_(options) {
  check_model_args("SmallCNN", options.num_classes, options.width, options.dropout);
  features = register_module("features", std::make_shared<nn::Sequential>());
  int64_t in = 3;
  for (int64_t base : {32, 64, 128}) {
    const int64_t out = scaled_channels(base, options.width);
    features->push_back(std::make_shared<nn::Conv2d>(
        in, out, nn::Conv2dOptions{.kernel_size = 3, .padding = 1, .bias = false}));
    features->push_back(std::make_shared<nn::BatchNorm2d>(out));
    features->push_back(std::make_shared<nn::ReLU>());
    features->push_back(std::make_shared<nn::MaxPool2d>(2));
    in = out;
  }
  classifier = register_module(
      "classifier", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
                        std::make_shared<nn::Dropout>(options.dropout),
                        std::make_shared<nn::Linear>(in * 4 * 4, options.num_classes)}));
}

Tensor SmallCNN::forward(const Tensor& input) {
  MINIDL_CHECK(input.dim() == 4 && input.size(1) == 3 && input.size(2) == 32 && input.size(3) == 32,
               ShapeError, "SmallCNN: expected input [N, 3, 32, 32], got ", shape_str(input.shape()));
  return (*classifier)((*features)(input).flatten(1));
}

}  // namespace minidl::models
