#include "core/autograd.h"

#include <unordered_map>

#include "core/ops/elementwise.h"

namespace minidl::autograd {
namespace {

thread_local bool grad_enabled = true;
thread_local bool inference_mode = false;

AutogradMeta* meta_of(const Tensor& t) { return t.impl().autograd.get(); }

AutogradMeta& ensure_meta(const Tensor& t) {
  auto& meta = t.impl().autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  return *meta;
}

Edge edge_to(const Tensor& input) {
  Edge edge;
  const AutogradMeta* meta = input.defined() ? meta_of(input) : nullptr;
  if (!meta || !meta->requires_grad) return edge;
  edge.shape = input.shape();
  if (meta->grad_fn) edge.node = meta->grad_fn;
  else edge.leaf = input.impl_ptr();
  return edge;
}

// Sums gradients arriving at one place; the first one is kept as it is.
void accumulate(Tensor& slot, const Tensor& grad) { slot = slot.defined() ? add(slot, grad) : grad; }

// A gradient stored in a leaf must not alias a tensor the graph hands elsewhere: a
// backward may return one tensor for several inputs (add), or the upstream gradient
// itself (the caller's seed). Only a gradient nobody else holds (neither its handle
// nor its storage) is kept as it is.
Tensor own(const Tensor& grad) {
  const bool unique = grad.impl_ptr().use_count() == 1 && grad.storage().use_count() == 1;
  return grad.is_contiguous() && unique ? grad : grad.clone();
}

void check_gradient(const Node& node, std::size_t index, const Tensor& grad) {
  const Shape& expected = node.inputs[index].shape;
  MINIDL_CHECK(grad.shape() == expected, ShapeError, "autograd: ", node.name, " returned a gradient of shape ",
               shape_str(grad.shape()), " for input ", index, " of shape ", shape_str(expected));
}

// PyTorch's check, with its words: a tensor the backward reads was written in place after the
// forward saved it, so the gradient would be computed from the wrong values.
void check_saved_versions(const Node& node) {
  for (const SavedVersion& saved : node.saved) {
    const uint32_t now = saved.storage.version();
    MINIDL_CHECK(now == saved.version, ValueError,
                 "one of the variables needed for gradient computation has been modified by an inplace "
                 "operation: [",
                 dtype_name(saved.dtype), " ", shape_str(saved.shape), "], saved by ", node.name,
                 ", is at version ", now, "; expected version ", saved.version,
                 " instead. Hint: it was changed in place (an optimizer step, copy_, add_, ...) between "
                 "the forward pass that used it and this backward; change a clone() instead, or run "
                 "backward first.");
  }
}

// Nodes reachable from root, each with the number of edges that point at it.
std::unordered_map<Node*, int> count_dependencies(Node* root) {
  std::unordered_map<Node*, int> deps{{root, 0}};
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& edge : node->inputs) {
      if (!edge.node) continue;
      auto [it, inserted] = deps.try_emplace(edge.node.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(edge.node.get());
    }
  }
  return deps;
}

}  // namespace

bool is_grad_enabled() { return grad_enabled && !inference_mode; }
bool is_inference_mode_enabled() { return inference_mode; }

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool needs_grad(std::initializer_list<Tensor> inputs) { return needs_grad(std::vector<Tensor>(inputs)); }

void record(const char* name, const Tensor& output, const std::vector<Tensor>& inputs, BackwardFn backward) {
  record(name, output, inputs, {}, std::move(backward));
}

void record(const char* name, const Tensor& output, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& saved, BackwardFn backward) {
  if (!needs_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->saved.reserve(saved.size());
  for (const Tensor& t : saved) {
    if (!t.defined()) continue;
    MINIDL_CHECK(!t.is_inference(), ValueError, name,
                 ": Inference tensors cannot be saved for backward. To work around you can make a clone "
                 "to get a normal tensor and use it in autograd.");
    node->saved.push_back({t.storage(), t.version(), t.shape(), t.dtype()});
  }
  node->name = name;
  node->backward = std::move(backward);
  node->inputs.reserve(inputs.size());
  for (const Tensor& input : inputs) node->inputs.push_back(edge_to(input));
  AutogradMeta& meta = ensure_meta(output);
  meta.requires_grad = true;
  meta.grad_fn = std::move(node);
}

void check_inplace(const Tensor& self, const char* op) {
  MINIDL_CHECK(inference_mode || !self.is_inference(), ValueError, op,
               ": Inplace update to inference tensor outside InferenceMode is not allowed. You can make a "
               "clone to get a normal tensor before doing inplace update.");
  if (!is_grad_enabled() || !self.requires_grad()) return;
  // A view of a leaf is a non-leaf here (views record their backward); its root tells PyTorch's cases apart.
  const AutogradMeta* meta = meta_of(self);
  MINIDL_CHECK(meta->grad_fn, ValueError, op,
               ": a leaf Variable that requires grad is being used in an in-place operation. Do it under "
               "autograd::NoGradGuard (optimizer steps, initialization) or use the out-of-place op.");
  const bool view_of_leaf = meta->grad_fn->inputs.size() == 1 && meta->grad_fn->inputs[0].leaf &&
                            meta->grad_fn->inputs[0].leaf->storage.is_same(self.storage());
  MINIDL_CHECK(!view_of_leaf, ValueError, op,
               ": a view of a leaf Variable that requires grad is being used in an in-place operation. Do it "
               "under autograd::NoGradGuard or use the out-of-place op.");
  throw ValueError(detail::str_cat(
      op, ": in-place update of a tensor that requires grad (made by ", meta->grad_fn->name,
      ") while gradients are recorded; minidl does not record in-place ops: use the out-of-place op, "
      "or do it under autograd::NoGradGuard"));
}

InferenceMode::InferenceMode() : previous_(inference_mode) { inference_mode = true; }
InferenceMode::~InferenceMode() { inference_mode = previous_; }

NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(grad_enabled) { grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { grad_enabled = previous_; }

void backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  MINIDL_CHECK(root.requires_grad(), ValueError,
               "backward: the tensor does not require grad and has no grad_fn (nothing to differentiate)");
  Tensor seed = grad;
  if (!seed.defined()) {
    MINIDL_CHECK(root.numel() == 1, ShapeError, "backward: a gradient must be given for a tensor of shape ",
                 shape_str(root.shape()), " (implicit only for one element)");
    seed = ones_like(root);
  }
  MINIDL_CHECK(seed.shape() == root.shape(), ShapeError, "backward: gradient of shape ", shape_str(seed.shape()),
               " for a tensor of shape ", shape_str(root.shape()));
  NoGradGuard no_grad;
  AutogradMeta* root_meta = meta_of(root);
  if (!root_meta->grad_fn) {  // a leaf: its gradient is the seed itself
    Tensor& slot = root_meta->grad;
    slot = slot.defined() ? add(slot, seed) : seed.clone();
    return;
  }

  Node* root_node = root_meta->grad_fn.get();
  auto deps = count_dependencies(root_node);
  std::unordered_map<Node*, Tensor> pending{{root_node, seed}};
  std::vector<Node*> ready{root_node};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    MINIDL_CHECK(!node->released, ValueError, "backward through ", node->name,
                 " a second time: its saved tensors were freed after the first backward; "
                 "call backward(grad, /*retain_graph=*/true) the first time");
    check_saved_versions(*node);
    const Tensor grad_output = std::move(pending[node]);
    pending.erase(node);
    // No gradient reached this node (every path into it was cut): nothing flows on.
    std::vector<Tensor> grads =
        grad_output.defined() ? node->backward(grad_output) : std::vector<Tensor>(node->inputs.size());
    MINIDL_CHECK(grads.size() == node->inputs.size(), ValueError, "autograd: ", node->name, " returned ",
                 grads.size(), " gradients for ", node->inputs.size(), " inputs");
    for (std::size_t i = 0; i < grads.size(); ++i) {
      const Edge& edge = node->inputs[i];
      if (!edge.defined() || !grads[i].defined()) {
        if (edge.node && --deps[edge.node.get()] == 0) ready.push_back(edge.node.get());
        continue;
      }
      check_gradient(*node, i, grads[i]);
      if (edge.leaf) {
        Tensor& slot = edge.leaf->autograd->grad;
        slot = slot.defined() ? add(slot, grads[i]) : own(grads[i]);
      } else {
        accumulate(pending[edge.node.get()], grads[i]);
        if (--deps[edge.node.get()] == 0) ready.push_back(edge.node.get());
      }
    }
    if (!retain_graph) {
      node->backward = nullptr;  // frees the saved tensors
      node->saved.clear();       // and the version records' hold on their storages
      node->saved.shrink_to_fit();
      node->released = true;
    }
  }
}

}  // namespace minidl::autograd
