// nn::summary: hooks record each module's output shape during one no-grad evaluation pass;
// the counts come from the modules' own parameters (recurse=false), and the totals from the
// model's parameters with shared tensors counted once, as torchinfo counts them.
#include "layers/summary.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "core/autograd.h"

namespace minidl::nn {
namespace {

// "1,234,567", torchinfo's thousands separators.
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string param_cell(const SummaryRow& row) {
  if (row.params == 0) return "--";
  if (row.frozen_params == row.params) return detail::str_cat("(", with_commas(row.params), ")");
  if (row.frozen_params == 0) return with_commas(row.params);
  return detail::str_cat(with_commas(row.params), " (", with_commas(row.frozen_params), " frozen)");
}

// Removes the hooks and restores train/eval however summary() leaves.
struct Restore {
  std::vector<std::pair<Module*, std::size_t>> hooks;
  std::vector<std::pair<Module*, bool>> modes;  // pre-order: a parent's train() is undone by its children's
  ~Restore() {
    for (auto& [module, id] : hooks) module->remove_forward_hook(id);
    for (auto& [module, training] : modes) module->train(training);
  }
};

}  // namespace

ModelSummary summary(Module& model, const Shape& input_shape) {
  ModelSummary result;
  result.input_shape = input_shape;
  const auto modules = model.named_modules();
  std::map<Module*, std::vector<std::size_t>> rows_of;  // a module registered twice has two rows
  for (const auto& [name, module] : modules) {
    SummaryRow row;
    row.name = name;
    row.type = module->type_name();
    row.depth = name.empty() ? 0 : 1 + std::count(name.begin(), name.end(), '.');
    for (const Tensor& p : module->parameters(/*recurse=*/false)) {
      row.params += p.numel();
      if (!p.requires_grad()) row.frozen_params += p.numel();
    }
    rows_of[module].push_back(result.rows.size());
    result.rows.push_back(std::move(row));
  }
  std::set<const detail::TensorImpl*> seen;
  for (const Tensor& p : model.parameters()) {
    if (!seen.insert(p.impl_ptr().get()).second) continue;
    result.total_params += p.numel();
    (p.requires_grad() ? result.trainable_params : result.non_trainable_params) += p.numel();
  }

  TensorOptions options;
  for (const Tensor& p : model.parameters()) {
    options = {.dtype = is_floating(p.dtype()) ? p.dtype() : DType::Float32, .device = p.device()};
    break;
  }
  {
    Restore restore;
    for (const auto& [name, module] : modules) restore.modes.emplace_back(module, module->train_requested());
    for (const auto& [module, indices] : rows_of)
      restore.hooks.emplace_back(module,
                                 module->register_forward_hook(
                                     [&result, indices = indices](Module&, const Tensor&, const Tensor& out) {
                                       for (std::size_t i : indices) {
                                         result.rows[i].output_shape = out.shape();
                                         result.rows[i].called = true;
                                       }
                                     }));
    model.eval();
    autograd::NoGradGuard no_grad;
    model(zeros(input_shape, options));
  }
  return result;
}

std::string ModelSummary::str() const {
  constexpr int kNameWidth = 52, kShapeWidth = 26, kParamWidth = 18;
  const std::string rule(kNameWidth + kShapeWidth + kParamWidth, '=');
  std::ostringstream out;
  auto cell = [&out](std::string text, int width, bool right = false) {
    if (static_cast<int>(text.size()) >= width) text = text.substr(0, width - 1);
    const std::string pad(static_cast<std::size_t>(width) - text.size(), ' ');
    out << (right ? pad + text : text + pad);
  };
  out << rule << "\n";
  cell("Layer (type)", kNameWidth);
  cell("Output Shape", kShapeWidth);
  cell("Param #", kParamWidth, true);
  out << "\n" << rule << "\n";
  for (const SummaryRow& row : rows) {
    const std::string indent(static_cast<std::size_t>(2 * row.depth), ' ');
    cell(indent + (row.name.empty() ? row.type : row.name + " (" + row.type + ")"), kNameWidth);
    cell(row.called ? shape_str(row.output_shape) : "--", kShapeWidth);
    cell(param_cell(row), kParamWidth, true);
    out << "\n";
  }
  out << rule << "\n"
      << "Input shape: " << shape_str(input_shape) << "\n"
      << "Total params: " << with_commas(total_params) << "\n"
      << "Trainable params: " << with_commas(trainable_params) << "\n"
      << "Non-trainable params: " << with_commas(non_trainable_params) << "\n"
      << rule << "\n";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const ModelSummary& summary) { return out << summary.str(); }

}  // namespace minidl::nn
