// Images from files: PNG and JPEG decoding and the bilinear resize give PIL's bytes (golden
// files from tests/data/golden/make_image_golden.py, PIL being what torchvision's ImageFolder
// and Resize use); encoders round-trip; ImageFolder over a generated folder of PNG and JPEG
// files of mixed sizes lists classes as torchvision does, trains a classifier through the
// DataLoader to 100% training accuracy, and names a corrupt image (or skips and counts it).
#include "data/image_folder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/io/atomic_file.h"
#include "core/ops/loss.h"
#include "core/ops/reduction.h"
#include "core/ops/shape.h"
#include "data/augment.h"
#include "data/image_codec.h"
#include "data/loader.h"
#include "data/resize.h"
#include "layers/linear.h"
#include "optim/algorithms.h"

namespace minidl::data {
namespace {
namespace fs = std::filesystem;

std::string golden(const std::string& name) {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  return std::string(root ? root : ".") + "/tests/data/golden/" + name;
}

// PIL's interleaved H x W x 3 bytes as planes [3, H, W].
std::vector<uint8_t> planes(const std::string& rgb, int64_t height, int64_t width) {
  std::vector<uint8_t> out(rgb.size());
  for (int64_t i = 0; i < height * width; ++i)
    for (int64_t c = 0; c < 3; ++c)
      out[static_cast<std::size_t>(c * height * width + i)] = static_cast<uint8_t>(rgb[static_cast<std::size_t>(i * 3 + c)]);
  return out;
}

TEST(ImageCodec, DecodesPngAndJpegAsPilDoes) {
  for (const char* name : {"picture.png", "picture.jpg"}) {
    SCOPED_TRACE(name);
    const Tensor image = read_image(golden(name));
    ASSERT_EQ(image.shape(), (Shape{3, 17, 23}));
    const std::string expected = io::read_file(golden(std::string(name) == "picture.png" ? "picture_png.rgb"
                                                                                         : "picture_jpg.rgb"));
    EXPECT_EQ(image.to_vector<uint8_t>(), planes(expected, 17, 23));
  }
  const Tensor gray = read_image(golden("gray.png"));
  ASSERT_EQ(gray.shape(), (Shape{3, 3, 4}));
  EXPECT_EQ(gray.to_vector<uint8_t>(), planes(io::read_file(golden("gray_png.rgb")), 3, 4));
}

TEST(ImageCodec, ResizeGivesPilsBilinearBytes) {
  const Tensor image = read_image(golden("picture.png"));
  for (const auto& [w, h] : std::vector<std::pair<int64_t, int64_t>>{{8, 6}, {40, 31}, {23, 9}, {5, 17}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const Tensor resized = resize_bilinear(image, h, w);
    ASSERT_EQ(resized.shape(), (Shape{3, h, w}));
    const std::string expected =
        io::read_file(golden("picture_" + std::to_string(w) + "x" + std::to_string(h) + ".rgb"));
    EXPECT_EQ(resized.to_vector<uint8_t>(), planes(expected, h, w));
  }
}

TEST(ImageCodec, EncodersRoundTripAndBadBytesAreNamed) {
  const Tensor image = read_image(golden("picture.png"));
  EXPECT_EQ(decode_image(encode_png(image), "mem").to_vector<uint8_t>(), image.to_vector<uint8_t>());
  // JPEG is lossy (and subsamples colour), so it round-trips a smooth picture closely, not noise.
  std::vector<uint8_t> smooth(3 * 24 * 32);
  for (std::size_t i = 0; i < smooth.size(); ++i) smooth[i] = static_cast<uint8_t>((i % 32) * 6 + (i / 768) * 40);
  const Tensor gradient = from_vector<uint8_t>(smooth, {3, 24, 32});
  const std::vector<uint8_t> a = gradient.to_vector<uint8_t>(),
                             b = decode_image(encode_jpeg(gradient, 95), "mem").to_vector<uint8_t>();
  double error = 0;
  for (std::size_t i = 0; i < a.size(); ++i) error += std::abs(int(a[i]) - int(b[i]));
  EXPECT_LT(error / static_cast<double>(a.size()), 3.0);  // 2.2 here: lossy, close
  for (const auto& [bytes, says] : std::vector<std::pair<std::string, std::string>>{
           {"hello", "neither a PNG nor a JPEG"},
           {io::read_file(golden("picture.png")).substr(0, 200), "PNG"},
           {io::read_file(golden("picture.jpg")).substr(0, 400), "corrupt JPEG"}}) {
    try {
      decode_image(bytes, "holiday.jpg");
      ADD_FAILURE() << says << ": accepted";
    } catch (const IOError& e) {
      EXPECT_NE(std::string(e.what()).find("image holiday.jpg"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  }
}

// root/<class>/: class c's images have channel c bright; sizes and formats vary.
class ImageFolderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("minidl_folder_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    std::mt19937 rng(3);
    const char* classes[] = {"cat", "ant", "bee"};  // listed out of order: classes sort by name
    for (int c = 0; c < 3; ++c) {
      fs::create_directories(root_ / classes[c]);
      for (int i = 0; i < 8; ++i) {
        const int64_t h = 20 + 7 * i, w = 48 - 3 * i;
        std::vector<uint8_t> px(static_cast<std::size_t>(3 * h * w));
        std::uniform_int_distribution<int> noise(0, 90);
        for (int64_t k = 0; k < 3 * h * w; ++k)
          px[static_cast<std::size_t>(k)] = static_cast<uint8_t>(noise(rng) + (k / (h * w) == c ? 160 : 0));
        const Tensor image = from_vector<uint8_t>(px, {3, h, w});
        const bool png = i % 2 == 0;
        const std::string name = "img" + std::to_string(i) + (png ? ".png" : (i == 3 ? ".JPEG" : ".jpg"));
        std::ofstream(root_ / classes[c] / name, std::ios::binary) << (png ? encode_png(image) : encode_jpeg(image));
      }
    }
    std::ofstream(root_ / "cat" / "notes.txt") << "not an image";  // ignored, as torchvision does
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(ImageFolderFiles, ListsClassesAsTorchvisionDoesAndTrainsToAPerfectFit) {
  auto folder = std::make_shared<ImageFolder>(root_.string(), ImageFolderOptions{.height = 16, .width = 16});
  EXPECT_EQ(folder->classes(), (std::vector<std::string>{"ant", "bee", "cat"}));
  ASSERT_EQ(folder->size(), 24);
  EXPECT_EQ(folder->label(0), 0);
  EXPECT_EQ(fs::path(folder->file(0)).filename(), "img0.png");
  EXPECT_EQ(fs::path(folder->file(3)).filename(), "img3.JPEG");
  const Example first = folder->get(0);
  EXPECT_EQ(first.input.shape(), (Shape{3, 16, 16}));
  EXPECT_EQ(first.target.item<int64_t>(), 0);

  const ImageDataset all = folder->load_all();
  const Augment normalized = Augment::parse("none").with(channel_stats(all));
  manual_seed(1);
  nn::Linear model(3 * 16 * 16, 3);
  optim::SGD sgd(model.parameters(), {.lr = 0.05, .momentum = 0.9});
  DataLoader loader(folder, {.batch_size = 8, .seed = 2});
  for (int epoch = 0; epoch < 10; ++epoch)
    while (auto batch = loader.next()) {
      const Tensor x = normalize(batch->input, normalized).view({-1, 3 * 16 * 16});
      const Tensor loss = cross_entropy(model(x), batch->target);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
    }
  const Tensor logits = model(normalize(all.images(), normalized).view({-1, 3 * 16 * 16}));
  EXPECT_EQ(argmax(logits, 1).to_vector<int64_t>(), all.labels().to_vector<int64_t>()) << "100% on the training set";
}

TEST_F(ImageFolderFiles, ACorruptImageIsNamedOrSkippedAndCounted) {
  const fs::path bad = root_ / "bee" / "img5.jpg";
  const std::string bytes = io::read_file(bad.string());
  std::ofstream(bad, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  ImageFolder lazy(root_.string(), {.height = 16, .width = 16});
  int64_t index = -1;
  for (int64_t i = 0; i < lazy.size(); ++i)
    if (lazy.file(i) == bad.string()) index = i;
  ASSERT_GE(index, 0);
  try {
    lazy.get(index);
    FAIL() << "no IOError";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(lazy.load_all(), IOError);
  EXPECT_THROW(ImageFolder(root_.string(), {.height = 16, .width = 16, .verify = true}), IOError);
  const ImageFolder skipping(root_.string(), {.height = 16, .width = 16, .skip_corrupt = true});
  EXPECT_EQ(skipping.size(), 23);
  EXPECT_EQ(skipping.skipped(), 1);
  EXPECT_EQ(skipping.skipped_files(), std::vector<std::string>{bad.string()});
  EXPECT_EQ(skipping.load_all().size(), 23);
}

TEST_F(ImageFolderFiles, BadLayoutsAreNamed) {
  EXPECT_THROW(ImageFolder((root_ / "nowhere").string()), IOError);
  fs::create_directories(root_ / "empty_class");
  try {
    ImageFolder folder(root_.string());
    FAIL() << "no IOError";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("empty_class"), std::string::npos) << e.what();
  }
  fs::remove(root_ / "empty_class");
  EXPECT_THROW(ImageFolder(root_.string()).load_all(), ShapeError) << "sizes differ and no resize was asked for";
  EXPECT_THROW(ImageFolder(root_.string(), {.height = 16}), ValueError);
}

}  // namespace
}  // namespace minidl::data
