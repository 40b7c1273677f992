// The per-sample augmentation math (kernels/math/augment.h) against independent references:
// exp_double vs std::exp, reflect indices vs torch's reflect padding rule, the resized-crop box
// (bounds, area and aspect ranges, torchvision's central fallback), the per-sample Philox
// budget, and the bilinear resize of a fixed box vs a float64 align_corners=False reference.
#include "kernels/math/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace minidl::kernels {
namespace {

AugmentParams plain_params(int c, int h, int w) {
  AugmentParams p{};
  p.channels = c, p.in_height = h, p.in_width = w, p.out_height = h, p.out_width = w;
  p.geometry = AugmentGeometry::None;
  p.flip = FlipMode::Never;
  for (int i = 0; i < kAugmentMaxChannels; ++i) p.mean[i] = 0.0f, p.std[i] = 1.0f;
  return p;
}

AugmentParams resized_params(double scale_min, double scale_max, double ratio_min, double ratio_max) {
  AugmentParams p = plain_params(3, 32, 32);
  p.geometry = AugmentGeometry::ResizedCrop;
  p.scale_min = scale_min, p.scale_range = scale_max - scale_min;
  p.ratio_min = ratio_min, p.ratio_max = ratio_max;
  p.log_ratio_min = std::log(ratio_min), p.log_ratio_range = std::log(ratio_max) - std::log(ratio_min);
  return p;
}

TEST(AugmentMath, ExpMatchesLibmWithinOneUlp) {
  for (double x = -20.0; x <= 20.0; x += 0.0137) {
    const double expected = std::exp(x);
    EXPECT_LE(std::abs(exp_double(x) - expected), std::nextafter(expected, INFINITY) - expected) << "x=" << x;
  }
  EXPECT_EQ(exp_double(0.0), 1.0);
}

TEST(AugmentMath, ReflectIndexMirrorsWithoutRepeatingTheEdge) {
  // torch.nn.functional.pad(mode="reflect") of [0 1 2 3 4] by 2: [2 1 0 1 2 3 4 3 2].
  const int expected[] = {2, 1, 0, 1, 2, 3, 4, 3, 2};
  for (int i = -2; i < 7; ++i) EXPECT_EQ(reflect_index(i, 5), expected[i + 2]) << i;
}

TEST(AugmentMath, ResizedCropBoxesStayInsideWithinScaleAndRatio) {
  const AugmentParams p = resized_params(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
  int fallbacks = 0;
  double mean_area = 0;
  const int samples = 4000;
  for (int s = 0; s < samples; ++s) {
    const SampleDraws d = draw_sample(p, 1234, 77, s);
    ASSERT_GT(d.height, 0);
    ASSERT_GT(d.width, 0);
    ASSERT_GE(d.top, 0);
    ASSERT_GE(d.left, 0);
    ASSERT_LE(d.top + d.height, 32);
    ASSERT_LE(d.left + d.width, 32);
    EXPECT_FLOAT_EQ(d.scale_y, d.height / 32.0f);
    EXPECT_FLOAT_EQ(d.scale_x, d.width / 32.0f);
    if (d.height == 32 && d.width == 32 && d.top == 0 && d.left == 0) ++fallbacks;
    const double area = static_cast<double>(d.height) * d.width / 1024.0;
    mean_area += area / samples;
    // Rounding w and h to integers moves area and ratio a little: half a pixel on each side.
    EXPECT_GE((d.height + 0.5) * (d.width + 0.5), 0.08 * 1024) << s;
    EXPECT_GE((d.width + 0.5) / (d.height - 0.5), 3.0 / 4.0) << s;
    EXPECT_LE((d.width - 0.5) / (d.height + 0.5), 4.0 / 3.0) << s;
  }
  // A box fails only when w or h exceeds 32 (area*ratio > 1 or area/ratio > 1): about 15% of
  // attempts, so all ten fail with probability ~1e-8.
  EXPECT_LE(fallbacks, samples / 50);
  // E[area] of U(0.08, 1) is 0.54; larger boxes fail more often, so the kept mean is lower.
  EXPECT_GT(mean_area, 0.35);
  EXPECT_LT(mean_area, 0.56);
}

TEST(AugmentMath, ResizedCropFallsBackToTorchvisionsCentralCrop) {
  // Aspect ratios in [2, 3] with the whole area never fit a square: in_ratio 1 < 2 gives
  // w = 32, h = round(32 / 2) = 16, centered.
  const SampleDraws wide = draw_sample(resized_params(1.0, 1.0, 2.0, 3.0), 5, 0, 0);
  EXPECT_EQ(wide.width, 32);
  EXPECT_EQ(wide.height, 16);
  EXPECT_EQ(wide.top, 8);
  EXPECT_EQ(wide.left, 0);
  // In [1/3, 1/2]: in_ratio 1 > 1/2 gives h = 32, w = round(32 * 0.5) = 16.
  const SampleDraws tall = draw_sample(resized_params(1.0, 1.0, 1.0 / 3.0, 0.5), 5, 0, 0);
  EXPECT_EQ(tall.height, 32);
  EXPECT_EQ(tall.width, 16);
  EXPECT_EQ(tall.top, 0);
  EXPECT_EQ(tall.left, 8);
}

TEST(AugmentMath, EachSampleOwnsItsBlocks) {
  AugmentParams p = resized_params(0.08, 1.0, 0.75, 4.0 / 3.0);
  p.flip = FlipMode::Random;
  p.flip_threshold = bernoulli_threshold(0.5);
  p.brightness = p.contrast = p.saturation = true;
  p.brightness_min = p.contrast_min = p.saturation_min = 0.6f;
  p.brightness_range = p.contrast_range = p.saturation_range = 0.8f;
  for (int s = 0; s < 50; ++s) {
    const SampleDraws a = draw_sample(p, 99, 1000, s);
    const SampleDraws b = draw_sample(p, 99, 1000 + static_cast<uint64_t>(s) * kAugmentBlocksPerSample, 0);
    EXPECT_EQ(a.top, b.top);
    EXPECT_EQ(a.left, b.left);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.flip, b.flip);
    EXPECT_EQ(a.brightness, b.brightness);
    EXPECT_EQ(a.contrast, b.contrast);
    EXPECT_EQ(a.saturation, b.saturation);
    for (float f : {a.brightness, a.contrast, a.saturation}) {
      EXPECT_GE(f, 0.6f);
      EXPECT_LE(f, 1.4f);
    }
  }
  // The words of the budget: sample 1's first word is word 32 of the stream.
  EXPECT_EQ(augment_word(7, 3, 1, 0), philox_block(7, 3 + 8).v[0]);
  EXPECT_EQ(augment_word(7, 3, 0, 31), philox_block(7, 3 + 7).v[3]);
}

// align_corners=False bilinear from the box's top-left corner, in float64.
double bilinear_reference(const std::vector<uint8_t>& image, int width, int top, int left, int box_h,
                          int box_w, int out_h, int out_w, int c, int plane, int y, int x) {
  auto tap = [](double scale, int dst, int size, int* i0, int* i1, double* w1) {
    double src = std::max(0.0, scale * (dst + 0.5) - 0.5);
    *i0 = static_cast<int>(std::floor(src));
    *i1 = std::min(*i0 + 1, size - 1);
    *w1 = src - *i0;
  };
  int y0, y1, x0, x1;
  double wy, wx;
  tap(static_cast<double>(box_h) / out_h, y, box_h, &y0, &y1, &wy);
  tap(static_cast<double>(box_w) / out_w, x, box_w, &x0, &x1, &wx);
  auto at = [&](int yy, int xx) {
    return static_cast<double>(image[c * plane + (top + yy) * width + left + xx]);
  };
  return (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) +
         wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
}

TEST(AugmentMath, ResizedCropOfAFixedBoxIsBilinear) {
  const int h = 24, w = 20, out = 28;
  std::vector<uint8_t> image(3 * h * w);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>((i * 37 + i / 7 * 11) % 256);
  AugmentParams p = plain_params(3, h, w);
  p.geometry = AugmentGeometry::ResizedCrop;
  p.out_height = p.out_width = out;
  for (const bool flip : {false, true}) {
    const SampleDraws d{3, 5, 13, 9, 13.0f / out, 9.0f / out, flip, 1.0f, 1.0f, 1.0f};
    std::vector<float> result(3 * out * out);
    augment_sample(p, d, image.data(), result.data());
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < out; ++y)
        for (int x = 0; x < out; ++x) {
          const int sx = flip ? out - 1 - x : x;
          const double expected =
              bilinear_reference(image, w, 3, 5, 13, 9, out, out, c, h * w, y, sx) / 255.0;
          ASSERT_NEAR(result[(c * out + y) * out + x], expected, 2e-6) << c << " " << y << " " << x;
        }
  }
}

TEST(AugmentMath, GrayLevelsSumExactlyInFixedPoint) {
  EXPECT_EQ(gray_fixed_point(1.0f), int64_t{1} << 32);
  EXPECT_EQ(gray_fixed_point(0.5f), int64_t{1} << 31);
  EXPECT_FLOAT_EQ(mean_gray(3 * (int64_t{1} << 30), 3), 0.25f);
  const float rgb[3] = {1.0f, 1.0f, 1.0f};
  EXPECT_NEAR(grayscale(rgb), 0.2989 + 0.587 + 0.114, 1e-7);
}

}  // namespace
}  // namespace minidl::kernels
