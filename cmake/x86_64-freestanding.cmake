# Toolchain for Tessera's freestanding targets (the exo kernel and the EFI loader): the host gcc
# with no libc and no start files. Each target adds its own code-model flags.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
# A freestanding compiler cannot link a test program with the default rules.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-ffreestanding -fno-stack-protector -fno-stack-check -fno-builtin -mno-red-zone")
