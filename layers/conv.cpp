// Conv2d checks its configuration as torch.nn.Conv2d does (channels divisible by groups,
// positive kernel, stride and dilation) and calls the differentiable conv2d().
#include "layers/conv.h"

#include "core/ops/conv.h"
#include "layers/init.h"
#include "layers/repr.h"

namespace minidl::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Conv2dOptions options)
    : Module("Conv2d"), in_channels_(in_channels), out_channels_(out_channels), options_(options) {
  const Conv2dOptions& o = options;
  MINIDL_CHECK(o.groups > 0 && in_channels > 0 && out_channels > 0 && in_channels % o.groups == 0 &&
                   out_channels % o.groups == 0,
               ValueError, "Conv2d: in_channels (", in_channels, ") and out_channels (", out_channels,
               ") must be positive and divisible by groups (", o.groups, ")");
  MINIDL_CHECK(o.kernel_size.h > 0 && o.kernel_size.w > 0 && o.stride.h > 0 && o.stride.w > 0 &&
                   o.dilation.h > 0 && o.dilation.w > 0 && o.padding.h >= 0 && o.padding.w >= 0,
               ValueError, "Conv2d: kernel_size (", o.kernel_size.h, ", ", o.kernel_size.w, "), stride (",
               o.stride.h, ", ", o.stride.w, ") and dilation (", o.dilation.h, ", ", o.dilation.w,
               ") must be positive and padding (", o.padding.h, ", ", o.padding.w, ") non-negative");
  weight = register_parameter(
      "weight", empty({out_channels, in_channels / o.groups, o.kernel_size.h, o.kernel_size.w}));
  bias = register_parameter("bias", o.bias ? empty({out_channels}) : Tensor());
  init::default_layer_init_(weight, bias);
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options_;
  std::string text =
      detail::str_cat(in_channels_, ", ", out_channels_, ", kernel_size=", repr::py_pair(o.kernel_size),
                      ", stride=", repr::py_pair(o.stride));
  if (o.padding != Size2(0)) text.append(", padding=").append(repr::py_pair(o.padding));
  if (o.dilation != Size2(1)) text.append(", dilation=").append(repr::py_pair(o.dilation));
  if (o.groups != 1) text.append(", groups=").append(std::to_string(o.groups));
  if (!bias.defined()) text += ", bias=False";
  return text;
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight, bias, options_.stride, options_.padding, options_.dilation, options_.groups);
}

}  // namespace minidl::nn
