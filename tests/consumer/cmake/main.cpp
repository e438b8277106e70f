#include <gemma4/gemma4.hpp>
#include <iostream>
int main() {
  std::cout << "gemma4 consumer: " << gemma4::NumberTraits<float>::name << "\n";
}
