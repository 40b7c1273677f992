// 2-d convolution as torch.nn.Conv2d (NCHW, zero padding): weight [out, in/groups, kh, kw],
// bias [out], both initialized U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in/groups*kh*kw.
//   nn::Conv2d conv(3, 32, {.kernel_size = 3, .padding = 1, .bias = false});
#pragma once

#include "kernels/math/window.h"
#include "layers/module.h"

namespace minidl::nn {

/// PyTorch's argument names and defaults; Size2 takes one int for both dims or {h, w}.
struct Conv2dOptions {
  Size2 kernel_size;  // required (0 is rejected)
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Conv2dOptions options);
  /// x [N, in_channels, H, W] or [in_channels, H, W] -> [N, out_channels, H_out, W_out].
  Tensor forward(const Tensor& input) override;
  /// PyTorch's: "3, 32, kernel_size=(3, 3), stride=(1, 1)", then padding, dilation, groups and
  /// bias=False only where they differ from the defaults.
  std::string extra_repr() const override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Conv2dOptions& options() const { return options_; }

  Tensor weight;  // [out_channels, in_channels / groups, kh, kw]
  Tensor bias;    // [out_channels], undefined without bias

 private:
  int64_t in_channels_, out_channels_;
  Conv2dOptions options_;
};

}  // namespace minidl::nn
