# Cross-compiles mnet for 64-bit ARM (aarch64 Linux, NEON) on a Debian 12 x86-64 host:
#   apt-get install crossbuild-essential-arm64 qemu-user
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install libstb-dev:arm64 libflatbuffers-dev:arm64 libxsimd-dev:arm64 libstdc++6:arm64   (multiarch)
#   cmake -S . -B build-aarch64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake
# ctest then runs the tests through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR);
# .ci/aarch64.sh does all of it. The baseline ARMv8-A has NEON with fused multiply-add,
# so no -march is needed: xsimd picks neon64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# -L /: the guest runs with the multiarch loader /lib/ld-linux-aarch64.so.1 and the libc,
# libstdc++ and libstb of the arm64 packages (/lib/aarch64-linux-gnu), one glibc build.
# Not -L /usr/aarch64-linux-gnu: that pairs the cross package's ld.so (libc6-arm64-cross,
# 2.36-8cross1) with the multiarch libc.so.6 (libc6:arm64, 2.36-9+deb12u*) that ld.so.cache
# finds, and their private ABI differs: pthread_create then loops forever in ld.so's stack
# cache, so every test that starts a thread hung (single-threaded ones ran).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
# Multiarch: headers are shared (/usr/include); libraries and CMake package files are searched
# for in the arm64 directories (/usr/lib/aarch64-linux-gnu) first.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
