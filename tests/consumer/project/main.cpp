// Builds tensors, moves them to the GPU when there is one, brings them back and prints them.
#include <iostream>

#include <minidl.h>

int main() {
  using minidl::Device;
  const Device device = minidl::cuda_available() ? Device::cuda() : Device::cpu();
  minidl::Tensor a = minidl::arange(6).reshape({2, 3}).to(device);  // [[0, 1, 2], [3, 4, 5]]
  minidl::Tensor b = minidl::ones({2, 3}, {.device = device});
  minidl::Tensor c = minidl::zeros({3}, {.dtype = minidl::DType::Int64});
  std::cout << "running on " << device << "\n";
  std::cout << a.t().to(Device::cpu()) << "\n";  // a transposed view (no copy), brought back to the host
  std::cout << b.to(Device::cpu()) << "\n";
  std::cout << c << "\n";
}
