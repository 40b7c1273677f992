// Trains a small network on a synthetic XOR-like problem and prints its progress.
#include <iostream>

#include <minidl.h>

int main() {
  using namespace minidl;
  manual_seed(0);
  const Device device = cuda_available() ? Device::cuda() : Device::cpu();
  // 512 points in the plane; the label says whether x*y > 0, which no linear model can fit.
  const Tensor points = randn({512, 2});
  const Tensor labels = gt(points.select(1, 0) * points.select(1, 1), zeros({512})).to(DType::Int64);
  const Tensor x = points.to(device), y = labels.to(device);

  auto model = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(2, 64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(64, 2)});
  model->to(device);
  optim::SGD optimizer(model->parameters(), {.lr = 0.5, .momentum = 0.9, .nesterov = true});
  optim::lr::CosineAnnealingLR schedule(optimizer, /*t_max=*/300);

  for (int step = 1; step <= 300; ++step) {
    const Tensor logits = (*model)(x);
    const Tensor loss = cross_entropy(logits, y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    schedule.step();
    if (step % 100 == 0)
      std::cout << "step " << step << " loss " << loss.item() << " accuracy " << accuracy(logits, y) << "\n";
  }
}
