// The Augment config: parsing of the --augment list, translation into kernel parameters
// (torchvision's defaults and factor ranges), and the batch entry points.
#include "data/augment.h"

#include <algorithm>
#include <cmath>

#include "core/text.h"
#include "kernels/augment.h"

namespace minidl::data {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// torchvision ColorJitter: factor uniform in [max(0, 1 - x), 1 + x].
void jitter_range(double x, const char* what, bool* on, float* low, float* range) {
  MINIDL_CHECK(std::isfinite(x) && x >= 0, ValueError, "augment: ", what, " strength must be >= 0, got ", x);
  *on = x > 0;
  *low = static_cast<float>(std::max(0.0, 1.0 - x));
  *range = static_cast<float>(1.0 + x) - *low;
}

}  // namespace

const std::vector<std::string>& Augment::known_names() {
  static const std::vector<std::string> names{"crop", "crop-reflect", "resized-crop",
                                              "flip", "jitter",       "none"};
  return names;
}

Augment Augment::parse(std::string_view names) {
  Augment config;
  while (!names.empty()) {
    const std::size_t comma = names.find(',');
    const std::string_view name = trimmed(names.substr(0, comma));
    names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
    if (name == "crop" || name == "crop-reflect") {
      config.crop = true;
      config.padding_mode = name == "crop" ? CropPadding::Zeros : CropPadding::Reflect;
    } else if (name == "resized-crop") {
      config.resized_crop = true;
    } else if (name == "flip") {
      config.flip = true;
    } else if (name == "jitter") {
      config.jitter = true;
    } else if (name != "none" && !name.empty()) {
      throw ValueError(::minidl::detail::str_cat("augment: unknown augmentation '", name,
                                                 "'; known: ", detail::join(known_names())));
    }
  }
  MINIDL_CHECK(!(config.crop && config.resized_crop), ValueError,
               "augment: crop and resized-crop are alternatives, choose one (known: ", detail::join(known_names()),
               ")");
  return config;
}

Augment Augment::with(const Normalization& n) const {
  Augment out = *this;
  out.normalize = true;
  out.mean = n.mean;
  out.std = n.std;
  return out;
}

std::string Augment::str() const {
  std::vector<std::string> on;
  if (crop) on.emplace_back(padding_mode == CropPadding::Zeros ? "crop" : "crop-reflect");
  if (resized_crop) on.emplace_back("resized-crop");
  if (flip) on.emplace_back("flip");
  if (jitter) on.emplace_back("jitter");
  std::string out;
  for (const std::string& name : on) out += (out.empty() ? "" : ",") + name;
  return out.empty() ? "none" : out;
}

kernels::AugmentParams augment_params(const Augment& c, const Shape& image_shape) {
  using kernels::AugmentGeometry;
  MINIDL_CHECK(image_shape.size() == 3, ShapeError, "augment: expected an image shape [C, H, W], got ",
               shape_str(image_shape));
  MINIDL_CHECK(!(c.crop && c.resized_crop), ValueError, "augment: crop and resized-crop are alternatives");
  MINIDL_CHECK(c.size >= 0 && (c.size == 0 || c.crop || c.resized_crop), ValueError,
               "augment: an output size (", c.size, ") needs crop or resized-crop");
  kernels::AugmentParams p{};
  p.channels = static_cast<int32_t>(image_shape[0]);
  p.in_height = static_cast<int32_t>(image_shape[1]);
  p.in_width = static_cast<int32_t>(image_shape[2]);
  p.out_height = c.size > 0 ? c.size : p.in_height;
  p.out_width = c.size > 0 ? c.size : p.in_width;
  p.geometry = c.crop           ? AugmentGeometry::Crop
               : c.resized_crop ? AugmentGeometry::ResizedCrop
                                : AugmentGeometry::None;
  p.padding = c.padding;
  p.reflect = c.padding_mode == CropPadding::Reflect;
  p.scale_min = c.scale_min;
  p.scale_range = c.scale_max - c.scale_min;
  MINIDL_CHECK(c.ratio_min > 0 && c.ratio_max >= c.ratio_min, ValueError,
               "augment: aspect ratios must satisfy 0 < min <= max, got ", c.ratio_min, " and ", c.ratio_max);
  p.ratio_min = c.ratio_min;
  p.ratio_max = c.ratio_max;
  p.log_ratio_min = std::log(c.ratio_min);
  p.log_ratio_range = std::log(c.ratio_max) - p.log_ratio_min;
  MINIDL_CHECK(c.flip_prob >= 0 && c.flip_prob <= 1, ValueError,
               "augment: flip probability must be in [0, 1], got ", c.flip_prob);
  p.flip = c.flip ? kernels::FlipMode::Random : kernels::FlipMode::Never;
  p.flip_threshold = kernels::bernoulli_threshold(c.flip_prob);
  if (c.jitter) {
    jitter_range(c.brightness, "brightness", &p.brightness, &p.brightness_min, &p.brightness_range);
    jitter_range(c.contrast, "contrast", &p.contrast, &p.contrast_min, &p.contrast_range);
    jitter_range(c.saturation, "saturation", &p.saturation, &p.saturation_min, &p.saturation_range);
  }
  MINIDL_CHECK(!c.normalize || !c.mean.empty() || !c.std.empty(), ValueError,
               "augment: normalization has no statistics: set them with Augment::with(data::Normalization::cifar10()) "
               "(or another preset), with data::channel_stats(training_set), or turn normalize off");
  if (c.normalize)
    MINIDL_CHECK(
        static_cast<int32_t>(c.mean.size()) == p.channels && static_cast<int32_t>(c.std.size()) == p.channels,
        ValueError, "augment: ", c.mean.size(), " means and ", c.std.size(), " stds for images of ",
        p.channels, " channels");
  for (int32_t ch = 0; ch < p.channels && ch < kernels::kAugmentMaxChannels; ++ch) {
    p.mean[ch] = c.normalize ? static_cast<float>(c.mean[static_cast<std::size_t>(ch)]) : 0.0f;
    p.std[ch] = c.normalize ? static_cast<float>(c.std[static_cast<std::size_t>(ch)]) : 1.0f;
  }
  kernels::check_augment_params(p);
  return p;
}

namespace {
Tensor run(const Tensor& images, const kernels::AugmentParams& p, PhiloxSeed seed, int cpu_threads) {
  const Tensor src = images.contiguous();
  const Tensor out = empty({src.size(0), p.channels, p.out_height, p.out_width},
                           {.dtype = DType::Float32, .device = src.device()});
  kernels::augment(src, out, p, seed, cpu_threads);
  return out;
}

Shape image_shape_of(const Tensor& images) {
  MINIDL_CHECK(images.dim() == 4, ShapeError, "augment: expected images [B, C, H, W], got shape ",
               shape_str(images.shape()));
  return {images.size(1), images.size(2), images.size(3)};
}
}  // namespace

Tensor augment(const Tensor& images, const Augment& config, PhiloxSeed seed) {
  return run(images, augment_params(config, image_shape_of(images)), seed, config.cpu_threads);
}

Tensor augment(const Tensor& images, const Augment& config, Generator& generator) {
  const kernels::AugmentParams p = augment_params(config, image_shape_of(images));
  const PhiloxSeed seed = generator.next(4 * kernels::augment_blocks(images.size(0)));
  return run(images, p, seed, config.cpu_threads);
}

Tensor normalize(const Tensor& images, const Augment& config, bool flip) {
  Augment test_time;
  test_time.normalize = config.normalize;
  test_time.mean = config.mean;
  test_time.std = config.std;
  test_time.cpu_threads = config.cpu_threads;
  kernels::AugmentParams p = augment_params(test_time, image_shape_of(images));
  p.flip = flip ? kernels::FlipMode::Always : kernels::FlipMode::Never;
  return run(images, p, {}, config.cpu_threads);
}

}  // namespace minidl::data
