// Built only with HOST_APP_SEPARATE_LOADERS: the one TU that defines mnet::load
// for a program compiled with MNET_SEPARATE_LOADERS, so main.cpp and classify.cpp
// compile without the safetensors/.tflite readers (README, "Compile time").
#include <mnet/loaders.hpp>
