// Training-time augmentation and test-time normalization of uint8 image batches into float32
// (torchvision conventions, docs/formulas.md): random crop with padding or random resized crop,
// horizontal flip, color jitter, per-channel normalization, in one pass (kernels/augment.h).
// The same (seed, offset) gives the same batch on the CPU and on CUDA.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/generator.h"
#include "core/tensor.h"
#include "data/normalization.h"
#include "kernels/math/augment.h"

namespace minidl::data {

enum class CropPadding { Zeros, Reflect };

/// What augment() does; parse() builds one from a list such as "crop,flip,jitter".
struct Augment {
  bool crop = false;  ///< pad by `padding`, then a random crop of the output size
  int padding = 4;
  CropPadding padding_mode = CropPadding::Zeros;
  bool resized_crop = false;  ///< RandomResizedCrop (an alternative to crop)
  double scale_min = 0.08, scale_max = 1.0;
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;
  int size = 0;  ///< output side of crop / resized_crop; 0: the input's size
  bool flip = false;
  double flip_prob = 0.5;
  bool jitter = false;  ///< factors uniform in [max(0, 1 - x), 1 + x]; x = 0 turns one off
  double brightness = 0.4, contrast = 0.4, saturation = 0.4;
  bool normalize = true;  ///< (x/255 - mean) / std per channel, else x/255
  /// Per channel; empty until set (with(), or directly): normalizing without them is a
  /// ValueError, so no data set is silently normalized with another's statistics.
  std::vector<double> mean, std;
  int cpu_threads = 0;  ///< OpenMP threads of the CPU backend; 0: OpenMP's default

  /// Comma-separated names of known_names(); "" and "none" mean no augmentation. Unknown
  /// names, or crop together with resized-crop, throw ValueError listing the known names.
  static Augment parse(std::string_view names);
  /// crop, crop-reflect, resized-crop, flip, jitter, none.
  static const std::vector<std::string>& known_names();
  /// The names of what is on, comma-separated ("none" when nothing).
  std::string str() const;
  /// A copy normalizing with `n` (e.g. Normalization::cifar10(), or channel_stats(train_set)).
  Augment with(const Normalization& n) const;
};

/// The kernel parameters of `config` for images of shape [C, H, W] (checked).
kernels::AugmentParams augment_params(const Augment& config, const Shape& image_shape);

/// Augmented float32 [B, C, S, S] (S: config.size or the input size) from uint8 images
/// [B, C, H, W]; sample s draws from Philox blocks seed.offset + 8s onwards.
Tensor augment(const Tensor& images, const Augment& config, PhiloxSeed seed);
/// As above with the next kernels::augment_blocks(B) blocks of `generator`.
Tensor augment(const Tensor& images, const Augment& config, Generator& generator);
/// Test time: x/255, normalized as config says, no random change; flip = true mirrors every
/// image (flip test-time augmentation: average the predictions of both).
Tensor normalize(const Tensor& images, const Augment& config, bool flip = false);

}  // namespace minidl::data
