// Autograd safety as PyTorch's: in-place ops on leaves that require grad, the version counter
// that catches a saved tensor changed before backward, and InferenceMode. Each case is the one
// of golden/make_autograd_safety.py, whose file records what PyTorch did (ok, a value, or an
// error and the phrases of its message that minidl's must contain).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "core/autograd.h"
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/linalg.h"
#include "core/ops/reduction.h"
#include "core/random.h"

namespace minidl {
namespace {

using autograd::InferenceMode;
using autograd::NoGradGuard;

Tensor leaf() { return ones({3}).requires_grad_(true); }

Tensor inference_tensor() {
  InferenceMode mode;
  return ones({3});
}

// A case returns nothing (PyTorch: "ok"), or a number (PyTorch: "value").
using Case = std::function<double()>;
constexpr double kOk = -1;

const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> all = {
      {"leaf_add_", [] { return add_(leaf(), 1.0), kOk; }},
      {"leaf_mul_", [] { return mul_(leaf(), 2.0), kOk; }},
      {"leaf_fill_", [] { return leaf().fill_(0), kOk; }},
      {"leaf_zero_", [] { return leaf().zero_(), kOk; }},
      {"leaf_copy_", [] { return leaf().copy_(zeros({3})), kOk; }},
      {"leaf_normal_", [] { return normal_(leaf()), kOk; }},
      {"leaf_view_mul_", [] { return mul_(leaf().select(0, 0), 2.0), kOk; }},
      {"leaf_add_no_grad",
       [] {
         const Tensor w = leaf();
         NoGradGuard no_grad;
         return add_(w, 1.0), kOk;
       }},
      {"frozen_leaf_add_", [] { return add_(ones({3}), 1.0), kOk; }},
      {"saved_mul_other_modified",
       [] {
         const Tensor a = leaf(), b = ones({3});
         const Tensor y = sum(a * b);
         add_(b, 1.0);
         return y.backward(), kOk;
       }},
      {"saved_mul_unneeded_modified",
       [] {
         const Tensor x = ones({3}), w = leaf();
         const Tensor y = sum(x * w);
         {
           NoGradGuard no_grad;
           add_(w, 1.0);
         }
         return y.backward(), kOk;
       }},
      {"saved_add_modified",
       [] {
         const Tensor x = ones({3}), w = leaf();
         const Tensor y = sum(x + w);
         {
           NoGradGuard no_grad;
           add_(w, 1.0);
         }
         return y.backward(), kOk;
       }},
      {"step_between_forward_and_backward",
       [] {
         const Tensor w = leaf();
         const Tensor y = sum(w * w);
         {
           NoGradGuard no_grad;  // as an optimizer step
           sub_(w, full({3}, 0.1));
         }
         return y.backward(), kOk;
       }},
      {"modified_twice",
       [] {
         const Tensor a = leaf(), b = ones({3});
         const Tensor y = sum(a * b);
         add_(b, 1.0);
         b.slice(0, 1, 3).fill_(3);
         return y.backward(), kOk;
       }},
      {"saved_output_modified",
       [] {
         const Tensor x = leaf();
         const Tensor y = exp(x);
         {
           NoGradGuard no_grad;
           mul_(y, 2.0);
         }
         return sum(y).backward(), kOk;
       }},
      {"linear_input_modified",
       [] {
         const Tensor x = ones({2, 3}), w = ones({4, 3}).requires_grad_(true);
         const Tensor y = sum(linear(x, w));
         add_(x, 1.0);
         return y.backward(), kOk;
       }},
      {"linear_weight_modified_input_no_grad",
       [] {
         const Tensor x = ones({2, 3}), w = ones({4, 3}).requires_grad_(true);
         const Tensor y = sum(linear(x, w));
         {
           NoGradGuard no_grad;
           add_(w, 1.0);
         }
         return y.backward(), kOk;
       }},
      {"conv_weight_modified",
       [] {
         const Tensor x = ones({1, 2, 4, 4}), w = ones({3, 2, 3, 3}).requires_grad_(true);
         const Tensor y = sum(conv2d(x, w));
         {
           NoGradGuard no_grad;
           add_(w, 1.0);
         }
         return y.backward(), kOk;
       }},
      {"version_counts",
       [] {
         const Tensor x = zeros({3});
         add_(x, 1.0);
         mul_(x, 2.0);
         x.select(0, 0).fill_(1);
         add_(x.clone(), 1.0);  // a copy has its own counter
         return static_cast<double>(x.version());
       }},
      {"inference_tensor_is_inference", [] { return inference_tensor().is_inference() ? 1.0 : 0.0; }},
      {"inference_mode_records_nothing",
       [] {
         const Tensor w = leaf();
         InferenceMode mode;
         return (w * 2.0).requires_grad() ? 1.0 : 0.0;
       }},
      {"inference_view_of_normal_is_normal",
       [] {
         const Tensor w = ones({3});
         InferenceMode mode;
         return w.slice(0, 1, 3).is_inference() ? 1.0 : 0.0;
       }},
      {"inference_clone_is_normal", [] { return inference_tensor().clone().is_inference() ? 1.0 : 0.0; }},
      {"inference_inplace_outside", [] { return add_(inference_tensor(), 1.0), kOk; }},
      {"inference_inplace_outside_no_grad",
       [] {
         const Tensor t = inference_tensor();
         NoGradGuard no_grad;
         return add_(t, 1.0), kOk;
       }},
      {"inference_inplace_inside",
       [] {
         const Tensor t = inference_tensor();
         InferenceMode mode;
         return add_(t, 1.0), kOk;
       }},
      {"inference_saved_outside", [] { return sum(inference_tensor() * leaf()).backward(), kOk; }},
      {"inference_unsaved_outside", [] { return sum(inference_tensor() + leaf()).backward(), kOk; }},
      {"inference_requires_grad_outside", [] { return inference_tensor().requires_grad_(true), kOk; }},
  };
  return all;
}

struct Expected {
  std::string outcome;               // ok, value, raises
  std::vector<std::string> details;  // the value, or the phrases
};

std::map<std::string, Expected> read_expected() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  if (root == nullptr) throw IOError("MINIDL_SOURCE_DIR is not set (ctest sets it to the source tree)");
  std::ifstream in(std::string(root) + "/tests/core/golden/autograd_safety.txt");
  std::map<std::string, Expected> expected;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name, field;
    std::getline(fields, name, '\t');
    Expected e;
    std::getline(fields, e.outcome, '\t');
    while (std::getline(fields, field, '\t')) e.details.push_back(field);
    expected[name] = e;
  }
  return expected;
}

TEST(AutogradSafety, EveryCaseDoesWhatPyTorchDoes) {
  const auto expected = read_expected();
  ASSERT_EQ(expected.size(), cases().size())
      << "the case lists of make_autograd_safety.py and this test differ";
  for (const auto& [name, run] : cases()) {
    ASSERT_TRUE(expected.count(name)) << name;
    const Expected& e = expected.at(name);
    try {
      const double value = run();
      if (e.outcome == "value")
        EXPECT_EQ(value, std::stod(e.details.at(0))) << name;
      else
        EXPECT_EQ(e.outcome, "ok") << name << " did not raise";
    } catch (const Error& error) {
      const std::string message = error.what();
      ASSERT_EQ(e.outcome, "raises") << name << " raised: " << message;
      for (const std::string& phrase : e.details)
        EXPECT_NE(message.find(phrase), std::string::npos)
            << name << ": " << message << "\nlacks: " << phrase;
    }
  }
}

TEST(AutogradSafety, VersionMessageNamesTheTensorAndTheOp) {
  const Tensor a = leaf(), b = ones({2, 3});
  const Tensor y = sum(a * b);
  add_(b, 1.0);
  try {
    y.backward();
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("[float32 [2, 3]], saved by mul"), std::string::npos) << message;
  }
}

TEST(AutogradSafety, BackwardLetsGoOfTheSavedStorages) {
  const Tensor a = leaf(), b = ones({3});
  const Tensor y = sum(a * b);
  EXPECT_GT(b.storage().use_count(), 1);  // held by mul's backward and its version record
  y.backward();
  EXPECT_EQ(b.storage().use_count(), 1);
}

TEST(AutogradSafety, InferenceModeNestsAndRestores) {
  EXPECT_FALSE(autograd::is_inference_mode_enabled());
  {
    InferenceMode outer;
    {
      InferenceMode inner;
      autograd::EnableGradGuard enable;  // cannot turn recording back on inside the mode
      EXPECT_FALSE(autograd::is_grad_enabled());
    }
    EXPECT_TRUE(autograd::is_inference_mode_enabled());
  }
  EXPECT_FALSE(autograd::is_inference_mode_enabled());
  EXPECT_TRUE(autograd::is_grad_enabled());
}

TEST(AutogradSafety, ANonLeafThatRequiresGradIsNotChangedInPlace) {
  // PyTorch would record the op; minidl does not record in-place ops and says so.
  const Tensor y = leaf() * 2.0;
  try {
    add_(y, 1.0);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("minidl does not record in-place ops"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace minidl
