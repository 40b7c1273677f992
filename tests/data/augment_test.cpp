// Augmentation of uint8 batches (data/augment.*) against independent references: flips,
// crops (found again among all shifts), normalization inverted, identities, brightness/
// contrast/saturation vs a float64 torchvision formula, batch-order independence, the
// --augment parser, and (on a GPU) CPU and CUDA giving the same bits.
#include "data/augment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/random.h"
#include "kernels/augment.h"
#include "support/gpu_test.h"

namespace minidl::data {
namespace {

constexpr int64_t kB = 12, kC = 3, kH = 32, kW = 32, kPlane = kH * kW;

Tensor random_images(int64_t b = kB, uint64_t seed = 1) {
  Generator g(seed);
  return randint(0, 256, {b, kC, kH, kW}, {.dtype = DType::UInt8}, &g);
}

Augment raw() {  // no normalization: outputs are x/255
  Augment c;
  c.normalize = false;
  return c;
}

std::vector<float> values(const Tensor& t) { return t.to(Device::cpu()).to_vector<float>(); }
std::vector<uint8_t> pixels(const Tensor& t) { return t.to_vector<uint8_t>(); }

TEST(Augment, FlippingTwiceIsTheIdentity) {
  const Tensor images = random_images();
  const std::vector<float> once = values(normalize(images, raw(), /*flip=*/true));
  const std::vector<uint8_t> px = pixels(images);
  for (int64_t i = 0; i < images.numel(); ++i) {
    const int64_t x = i % kW, mirrored = i - x + (kW - 1 - x);
    ASSERT_EQ(once[i], px[mirrored] / 255.0f) << i;
  }
  // Flip the flipped image (back to uint8 exactly: v*255 is an integer) and compare with the input.
  std::vector<uint8_t> back(px.size());
  for (std::size_t i = 0; i < px.size(); ++i) back[i] = static_cast<uint8_t>(std::lround(once[i] * 255.0f));
  const std::vector<float> twice = values(normalize(from_vector(back, images.shape()), raw(), true));
  for (std::size_t i = 0; i < px.size(); ++i) ASSERT_EQ(twice[i], px[i] / 255.0f) << i;
}

TEST(Augment, NormalizationInverts) {
  const Tensor images = random_images();
  const Augment c = Augment{}.with(Normalization::cifar10());
  const std::vector<float> out = values(normalize(images, c));
  const std::vector<uint8_t> px = pixels(images);
  for (std::size_t i = 0; i < px.size(); ++i) {
    const auto ch = static_cast<std::size_t>(i / kPlane % kC);
    ASSERT_NEAR(out[i] * c.std[ch] + c.mean[ch], px[i] / 255.0, 1e-6) << i;
  }
}

TEST(Augment, CropAtOffsetZeroWithoutPaddingIsTheIdentity) {
  Augment c = raw();
  c.crop = true;
  c.padding = 0;
  Generator g(3);
  const Tensor images = random_images();
  const std::vector<float> out = values(augment(images, c, g));
  const std::vector<uint8_t> px = pixels(images);
  for (std::size_t i = 0; i < px.size(); ++i) ASSERT_EQ(out[i], px[i] / 255.0f) << i;
}

// Output of crop(+flip) equals the image shifted by (dy, dx) (and maybe mirrored), with
// zeros or reflections outside: finds the one shift of [-pad, pad]^2 that explains it.
bool matches_shift(const float* out, const uint8_t* img, int pad, bool reflect, int* dy_found, int* dx_found,
                   bool* flip_found) {
  for (int flip = 0; flip < 2; ++flip)
    for (int dy = -pad; dy <= pad; ++dy)
      for (int dx = -pad; dx <= pad; ++dx) {
        bool ok = true;
        for (int c = 0; c < kC && ok; ++c)
          for (int y = 0; y < kH && ok; ++y)
            for (int x = 0; x < kW && ok; ++x) {
              int sy = y + dy, sx = (flip ? kW - 1 - x : x) + dx;
              float expected = 0.0f;
              if (reflect) {
                sy = sy < 0 ? -sy : (sy >= kH ? 2 * (kH - 1) - sy : sy);
                sx = sx < 0 ? -sx : (sx >= kW ? 2 * (kW - 1) - sx : sx);
              }
              if (sy >= 0 && sy < kH && sx >= 0 && sx < kW) expected = img[(c * kH + sy) * kW + sx] / 255.0f;
              ok = out[(c * kH + y) * kW + x] == expected;
            }
        if (ok) {
          *dy_found = dy, *dx_found = dx, *flip_found = flip != 0;
          return true;
        }
      }
  return false;
}

TEST(Augment, CropsAreShiftsWithinThePaddingAndFlipsHalfTheTime) {
  for (const char* names : {"crop,flip", "crop-reflect,flip"}) {
    Augment c = Augment::parse(names).with(Normalization::cifar10());
    c.normalize = false;
    const int64_t b = 64;
    const Tensor images = random_images(b, 11);
    Generator g(5);
    const std::vector<float> out = values(augment(images, c, g));
    const std::vector<uint8_t> px = pixels(images);
    int flips = 0, zero_border = 0;
    std::vector<int> seen_dy(9, 0);
    for (int64_t s = 0; s < b; ++s) {
      int dy, dx;
      bool flip;
      ASSERT_TRUE(matches_shift(out.data() + s * kC * kPlane, px.data() + s * kC * kPlane, 4,
                                c.padding_mode == CropPadding::Reflect, &dy, &dx, &flip))
          << names << " sample " << s;
      flips += flip;
      ++seen_dy[static_cast<std::size_t>(dy + 4)];
      if (dy < 0) zero_border += out[s * kC * kPlane] == 0.0f;  // row 0 lies in the padding
    }
    EXPECT_GT(flips, 16) << names;  // Binomial(64, 0.5): 6 sigma below 32 is 8
    EXPECT_LT(flips, 48) << names;
    EXPECT_GE(std::count_if(seen_dy.begin(), seen_dy.end(), [](int n) { return n > 0; }), 6) << names;
    if (c.padding_mode == CropPadding::Zeros) {
      EXPECT_GT(zero_border, 0);
    }
  }
}

TEST(Augment, JitterWithFactorsOneIsTheIdentity) {
  Augment c = raw();
  c.jitter = true;
  c.brightness = c.contrast = c.saturation = 0.0;  // factors exactly 1: every step skipped
  Generator g(8);
  const Tensor images = random_images();
  EXPECT_EQ(values(augment(images, c, g)), values(normalize(images, raw())));
  // Factors of exactly 1 through the blends themselves: the kernel with all three on.
  kernels::AugmentParams p = augment_params(raw(), {kC, kH, kW});
  p.brightness = p.contrast = p.saturation = true;
  p.brightness_min = p.contrast_min = p.saturation_min = 1.0f;
  const Tensor out = empty({kB, kC, kH, kW});
  kernels::augment(images, out, p, {4, 0});
  EXPECT_EQ(values(out), values(normalize(images, raw())));
}

// torchvision's ColorJitter in float64 with the factors the sample drew: brightness
// clamp(b*v), contrast clamp(c*v + (1-c)*mean(gray)), saturation clamp(s*v + (1-s)*gray).
void expect_jitter_matches_reference(const Augment& c, uint64_t seed) {
  const Tensor images = random_images(kB, seed);
  const kernels::AugmentParams p = augment_params(c, {kC, kH, kW});
  const PhiloxSeed philox{seed, 100};
  const std::vector<float> out = values(augment(images, c, philox));
  const std::vector<uint8_t> px = pixels(images);
  auto gray = [](const double* v) { return 0.2989 * v[0] + 0.587 * v[1] + 0.114 * v[2]; };
  auto clamp = [](double v) { return std::min(1.0, std::max(0.0, v)); };
  for (int64_t s = 0; s < kB; ++s) {
    const kernels::SampleDraws d = kernels::draw_sample(p, philox.seed, philox.offset, s);
    for (float f : {d.brightness, d.contrast, d.saturation}) {
      EXPECT_GE(f, 0.6f);
      EXPECT_LE(f, 1.4f);
    }
    std::vector<double> v(kC * kPlane);
    for (int64_t i = 0; i < kC * kPlane; ++i) v[i] = clamp(d.brightness * (px[s * kC * kPlane + i] / 255.0));
    double mean = 0;
    for (int64_t l = 0; l < kPlane; ++l) {
      const double rgb[3] = {v[l], v[kPlane + l], v[2 * kPlane + l]};
      mean += gray(rgb) / kPlane;
    }
    for (int64_t l = 0; l < kPlane; ++l) {
      double rgb[3];
      for (int ch = 0; ch < 3; ++ch)
        rgb[ch] = clamp(d.contrast * v[ch * kPlane + l] + (1 - d.contrast) * mean);
      const double g = gray(rgb);
      for (int ch = 0; ch < 3; ++ch) {
        const double jittered = clamp(d.saturation * rgb[ch] + (1 - d.saturation) * g);
        const double expected = c.normalize ? (jittered - c.mean[ch]) / c.std[ch] : jittered;
        ASSERT_NEAR(out[s * kC * kPlane + ch * kPlane + l], expected, 2e-5)
            << "sample " << s << " channel " << ch << " location " << l;
      }
    }
  }
}

TEST(Augment, ColorJitterMatchesAFloat64Reference) {
  Augment c = Augment::parse("jitter").with(Normalization::cifar10());
  expect_jitter_matches_reference(c, 21);
  c.brightness = 0.0, c.saturation = 0.0;  // contrast alone
  expect_jitter_matches_reference(c, 22);
  c = Augment::parse("jitter").with(Normalization::cifar10());
  c.contrast = 0.0;  // no mean pass
  c.normalize = false;
  expect_jitter_matches_reference(c, 23);
}

TEST(Augment, SamplesDoNotDependOnTheirBatch) {
  const Augment c = Augment::parse("crop,flip,jitter").with(Normalization::cifar10());
  const Tensor images = random_images(8, 31);
  const std::vector<float> whole = values(augment(images, c, PhiloxSeed{9, 40}));
  // Sample 5 alone, with the offset its slot had: the same values.
  const Tensor fifth = images.narrow(0, 5, 1).contiguous();
  const std::vector<float> alone =
      values(augment(fifth, c, PhiloxSeed{9, 40 + 5 * kernels::kAugmentBlocksPerSample}));
  EXPECT_TRUE(std::equal(alone.begin(), alone.end(), whole.begin() + 5 * kC * kPlane));
}

TEST(Augment, GeneratorAdvancesByTheBatchBudgetAndReproduces) {
  const Augment c = Augment::parse("resized-crop,flip,jitter").with(Normalization::cifar10());
  const Tensor images = random_images();
  Generator a(77), b(77);
  const std::vector<float> first = values(augment(images, c, a));
  EXPECT_EQ(a.offset(), kernels::augment_blocks(kB));
  EXPECT_EQ(first, values(augment(images, c, b)));
  EXPECT_NE(first, values(augment(images, c, a)));  // the next batch draws anew
  for (float v : first) ASSERT_TRUE(std::isfinite(v));
}

TEST(Augment, ResizedCropToAnotherSize) {
  Augment c = Augment::parse("resized-crop").with(Normalization::cifar10());
  c.size = 24;
  Generator g(1);
  const Tensor out = augment(random_images(), c, g);
  EXPECT_EQ(out.shape(), (Shape{kB, kC, 24, 24}));
}

TEST(Augment, ParsesTheFlagAndRejectsUnknownNames) {
  const Augment c = Augment::parse(" crop , flip,jitter").with(Normalization::cifar10());
  EXPECT_TRUE(c.crop && c.flip && c.jitter && !c.resized_crop);
  EXPECT_EQ(c.str(), "crop,flip,jitter");
  EXPECT_EQ(Augment::parse("").str(), "none");
  EXPECT_EQ(Augment::parse("none").str(), "none");
  EXPECT_EQ(Augment::parse("crop-reflect").padding_mode, CropPadding::Reflect);
  try {
    Augment::parse("crop,rotate").with(Normalization::cifar10());
    FAIL() << "no error";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'rotate'"), std::string::npos) << message;
    for (const std::string& name : Augment::known_names()) EXPECT_NE(message.find(name), std::string::npos);
  }
  EXPECT_THROW(Augment::parse("crop,resized-crop").with(Normalization::cifar10()), ValueError);
}

TEST(Augment, RejectsBadInputs) {
  Generator g;
  const Augment c = Augment::parse("crop").with(Normalization::cifar10());
  EXPECT_THROW(augment(zeros({2, 3, 32, 32}), c, g), DTypeError);
  EXPECT_THROW(augment(zeros({3, 32, 32}, {.dtype = DType::UInt8}), c, g), ShapeError);
  EXPECT_THROW(augment(zeros({2, 1, 32, 32}, {.dtype = DType::UInt8}), Augment::parse("jitter").with(Normalization::cifar10()), g),
               ValueError);
  Augment reflect = Augment::parse("crop-reflect").with(Normalization::cifar10());
  reflect.padding = 40;
  EXPECT_THROW(augment(zeros({2, 3, 32, 32}, {.dtype = DType::UInt8}), reflect, g), ValueError);
  Augment bad_std;
  bad_std.std = {0.2, 0.0, 0.2};
  EXPECT_THROW(normalize(zeros({2, 3, 32, 32}, {.dtype = DType::UInt8}), bad_std), ValueError);
}

class AugmentGpu : public test::GpuTest {};

TEST_F(AugmentGpu, CudaGivesTheCpuBits) {
  const Tensor images = random_images(37, 55);
  const Tensor on_gpu = images.to(Device::cuda());
  for (const char* names :
       {"none", "crop,flip", "crop-reflect,flip,jitter", "resized-crop,flip,jitter", "jitter"}) {
    const Augment c = Augment::parse(names).with(Normalization::cifar10());
    const PhiloxSeed seed{123, 456};
    const Tensor cpu = augment(images, c, seed);
    const Tensor cuda = augment(on_gpu, c, seed).to(Device::cpu());
    ASSERT_EQ(std::memcmp(cpu.data_ptr(), cuda.data_ptr(), cpu.nbytes()), 0) << names;
  }
  for (const bool flip : {false, true}) {
    const Tensor cpu = normalize(images, Augment{}.with(Normalization::cifar10()), flip);
    const Tensor cuda = normalize(on_gpu, Augment{}.with(Normalization::cifar10()), flip).to(Device::cpu());
    ASSERT_EQ(std::memcmp(cpu.data_ptr(), cuda.data_ptr(), cpu.nbytes()), 0) << "flip " << flip;
  }
}

}  // namespace
}  // namespace minidl::data

namespace minidl::data {
namespace {
TEST(Augment, NormalizingWithoutStatisticsIsAnErrorNamingThePresets) {
  Generator g(1);
  try {
    augment(random_images(2), Augment::parse("flip"), g);
    FAIL() << "no ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Normalization::cifar10()"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("channel_stats"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(normalize(random_images(2), raw()));
}
}  // namespace
}  // namespace minidl::data
