// Collation by stacking, the default batch of a Dataset (get() per index), and TensorDataset.
#include "data/dataset.h"

#include <cstring>

#include "core/autograd.h"
#include "core/ops/shape.h"

namespace minidl::data {
namespace {

// Examples' tensors `pick(e)` stacked into [count, ...]: bytes copied on the CPU, cat of
// unsqueezed views elsewhere.
template <typename Pick> Tensor stack(const std::vector<Example>& examples, const char* what, Pick pick) {
  const Tensor& first = pick(examples.front());
  MINIDL_CHECK(first.defined(), ValueError, "collate: example 0 has no ", what);
  for (std::size_t i = 1; i < examples.size(); ++i) {
    const Tensor& t = pick(examples[i]);
    MINIDL_CHECK(t.defined(), ValueError, "collate: example ", i, " has no ", what);
    MINIDL_CHECK(t.shape() == first.shape(), ShapeError, "collate: example ", i, "'s ", what, " is ",
                 shape_str(t.shape()), " but example 0's is ", shape_str(first.shape()));
    MINIDL_CHECK(t.dtype() == first.dtype() && t.device() == first.device(), DTypeError, "collate: example ", i,
                 "'s ", what, " is ", t.dtype(), " on ", t.device(), " but example 0's is ", first.dtype(), " on ",
                 first.device());
  }
  Shape shape{static_cast<int64_t>(examples.size())};
  shape.insert(shape.end(), first.shape().begin(), first.shape().end());
  autograd::NoGradGuard no_grad;
  if (!first.device().is_cpu()) {
    std::vector<Tensor> rows;
    for (const Example& e : examples) rows.push_back(pick(e).unsqueeze(0));
    return cat(rows, 0);
  }
  Tensor out = empty(shape, {.dtype = first.dtype()});
  const std::size_t bytes = first.nbytes();
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const Tensor row = pick(examples[i]).contiguous();
    if (bytes > 0) std::memcpy(static_cast<char*>(out.data_ptr()) + i * bytes, row.data_ptr(), bytes);
  }
  return out;
}

}  // namespace

void check_indices(const std::vector<int64_t>& indices, int64_t size) {
  for (std::size_t j = 0; j < indices.size(); ++j)
    MINIDL_CHECK(indices[j] >= 0 && indices[j] < size, ValueError, "dataset: index ", indices[j], " at position ",
                 j, " is out of range for a dataset of ", size, " samples");
}

Batch collate(const std::vector<Example>& examples) {
  if (examples.empty()) return {};
  Batch batch;
  batch.input = stack(examples, "input", [](const Example& e) -> const Tensor& { return e.input; });
  batch.target = stack(examples, "target", [](const Example& e) -> const Tensor& { return e.target; });
  const std::size_t more = examples.front().more_inputs.size();
  for (std::size_t i = 1; i < examples.size(); ++i)
    MINIDL_CHECK(examples[i].more_inputs.size() == more, ShapeError, "collate: example ", i, " has ",
                 examples[i].more_inputs.size(), " more inputs but example 0 has ", more);
  for (std::size_t k = 0; k < more; ++k)
    batch.more_inputs.push_back(
        stack(examples, "more input", [k](const Example& e) -> const Tensor& { return e.more_inputs[k]; }));
  return batch;
}

Batch Dataset::get_batch(const std::vector<int64_t>& indices) const {
  check_indices(indices, size());
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (const int64_t i : indices) examples.push_back(get(i));
  return collate(examples);
}

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : inputs_(inputs.detach().contiguous()), targets_(targets.detach().contiguous()) {
  MINIDL_CHECK(inputs_.dim() >= 1 && targets_.dim() >= 1 && inputs_.size(0) == targets_.size(0), ShapeError,
               "TensorDataset: expected inputs [N, ...] and targets [N, ...], got ", shape_str(inputs_.shape()),
               " and ", shape_str(targets_.shape()));
  MINIDL_CHECK(inputs_.device() == targets_.device(), DeviceError, "TensorDataset: inputs on ", inputs_.device(),
               " but targets on ", targets_.device());
}

Example TensorDataset::get(int64_t index) const {
  check_indices({index}, size());
  return {inputs_.select(0, index), targets_.select(0, index)};
}

Batch TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  check_indices(indices, size());
  autograd::NoGradGuard no_grad;
  const Tensor index = from_vector(indices, {static_cast<int64_t>(indices.size())}, device());
  return {index_select(inputs_, 0, index), index_select(targets_, 0, index)};
}

}  // namespace minidl::data
