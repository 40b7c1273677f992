// The fixed small training state that checkpoint_fuzz loads into and make_corpus saves
// from: a Linear + BatchNorm1d model (a parameter, float and int64 buffers, dotted
// names), SGD with momentum after one step (so it has state buffers), a StepLR schedule
// and an "ema" extra handle. Built afresh per input so no input sees another's effects.
#pragma once

#include <memory>

#include "layers/batch_norm.h"
#include "layers/container.h"
#include "layers/linear.h"
#include "optim/algorithms.h"
#include "train/checkpoint.h"

namespace minidl::fuzz {

struct TrainingFixture {
  std::shared_ptr<nn::Sequential> model = std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Linear>(3, 2),
                                                         std::make_shared<nn::BatchNorm1d>(2)});
  optim::SGD sgd{model->parameters(), {.lr = 0.1, .momentum = 0.9}};
  optim::lr::StepLR schedule{sgd, 2, 0.5};
  io::TensorMap ema = {{"decay", full({}, 0.99, {.dtype = DType::Float64})}};

  TrainingFixture() {
    for (auto& parameter : model->parameters()) parameter.set_grad(full(parameter.shape(), 0.25));
    sgd.step();
    schedule.step();
  }

  train::TrainingState state() {
    return {.model = *model,
            .optimizer = train::state_handle(sgd),
            .scheduler = &schedule,
            .extra = {{"ema", {[this] { return ema; }, [this](const io::TensorMap& state) { ema = state; }}}},
            .epoch = 1,
            .step = 1,
            .metadata = {{"model", "fuzz"}}};
  }
};

}  // namespace minidl::fuzz
