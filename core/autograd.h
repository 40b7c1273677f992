// Reverse-mode automatic differentiation: a define-by-run tape. Each
// differentiable op that sees an input requiring a gradient records a Node
// whose backward function maps the output's gradient to its inputs' gradients;
// Tensor::backward() walks the nodes in reverse topological order and
// accumulates into the .grad() of leaves.
//
// Writing a differentiable op (see core/ops/ for many):
//   Tensor out = kernels::something(a, b);           // compute, no autograd
//   autograd::record("something", out, {a, b}, [a_ = a.detach(), shape = b.shape()](const Tensor& grad) {
//     return std::vector<Tensor>{grad_for_a, grad_for_b};  // undefined Tensor() = no gradient
//   });
// Capture what backward needs by value; capture the op's own output only as
// out.detach() (a captured output would keep its own node alive in a cycle).
// Backward functions run with gradient recording off.
//
// Safety as in PyTorch: an op that saves tensors for its backward passes them to the record()
// overload with `saved`; their storages' version counters (bumped by every in-place write,
// core/storage.h) are checked before the backward runs, so a saved tensor changed in place in
// between raises instead of giving a wrong gradient. List only what the backward reads for the
// gradients that are needed (mul saves b only if a needs a gradient), as PyTorch does.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace minidl::autograd {

/// Maps the gradient of a node's output to the gradients of its inputs (one per input).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node;

/// Where a gradient flows: into another node, or into a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> node;                   // set for non-leaf inputs
  std::shared_ptr<detail::TensorImpl> leaf;     // set for leaves that require grad
  Shape shape;                                  // the input's shape, to check gradients against
  bool defined() const { return node || leaf; }
};

/// A tensor a backward reads, as it was when saved: its storage, which version it was at.
struct SavedVersion {
  Storage storage;
  uint32_t version = 0;
  Shape shape;  // for the message
  DType dtype = DType::Float32;
};

struct Node {
  std::string name;
  BackwardFn backward;  // reset after backward unless the graph is retained
  std::vector<Edge> inputs;
  std::vector<SavedVersion> saved;  // checked before backward runs
  bool released = false;
};

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;  // null for leaves
};

/// True while gradients are recorded on this thread (the default).
bool is_grad_enabled();
/// True when grad mode is on and any input requires a gradient.
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);
/// Attaches a backward node to `output` if needs_grad(inputs); otherwise does nothing.
void record(const char* name, const Tensor& output, const std::vector<Tensor>& inputs, BackwardFn backward);
/// The same, for a backward that reads `saved` (undefined entries are skipped): their versions
/// are checked at backward, and an inference tensor among them raises here (PyTorch's rule).
void record(const char* name, const Tensor& output, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& saved, BackwardFn backward);

/// Called by every in-place op before it writes `self`: raises, with PyTorch's message, for a
/// leaf that requires grad (or a view of one) while gradients are recorded, and for an
/// inference tensor outside InferenceMode; minidl does not record in-place ops, so a non-leaf
/// that requires grad raises too (PyTorch would record the op). After the write the op calls
/// self.storage().bump_version().
void check_inplace(const Tensor& self, const char* op);

/// Turns gradient recording off for a scope (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Turns gradient recording back on for a scope inside a NoGradGuard (e.g. a closure
/// that an optimizer calls from its no-grad step).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

/// PyTorch's torch.inference_mode(): no graph is recorded in the scope (as NoGradGuard, and
/// EnableGradGuard cannot turn it back on), and tensors whose memory is made in it are
/// inference tensors (Tensor::is_inference): outside the mode they cannot be saved for
/// backward, changed in place or set to require grad. clone() one to get a normal tensor.
class InferenceMode {
 public:
  InferenceMode();
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;

 private:
  bool previous_;
};

/// True inside an InferenceMode scope on this thread.
bool is_inference_mode_enabled();

/// Runs backward from `root` with upstream gradient `grad` (ones for a scalar when undefined).
void backward(const Tensor& root, const Tensor& grad = {}, bool retain_graph = false);

}  // namespace minidl::autograd
