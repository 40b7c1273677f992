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

struct Node {
  std::string name;
  BackwardFn backward;  // reset after backward unless the graph is retained
  std::vector<Edge> inputs;
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

/// Runs backward from `root` with upstream gradient `grad` (ones for a scalar when undefined).
void backward(const Tensor& root, const Tensor& grad = {}, bool retain_graph = false);

}  // namespace minidl::autograd
