"""The build targets selbuild knows. Toolchain modules (toolchains/) implement them."""

from __future__ import annotations

TARGETS: tuple[str, ...] = (
    "host",             # the build machine, for tests and the demo
    "android-arm64",    # arm64-v8a, API 21+
    "android-armv7",    # armeabi-v7a: Thumb-2, softfp, NEON
    "android-x86_64",   # x86_64: the emulator's default ABI
    "android-x86",      # x86 (i686, SSSE3): older emulator images
    "ios-arm64",        # device
    "ios-sim-arm64",    # simulator on Apple silicon
    "ios-sim-x86_64",   # simulator on Intel Macs
    "linux-arm64",      # glibc builds of the same code, run under qemu in tests
    "linux-armv7",
)

ANDROID_ABI = {"android-arm64": "arm64-v8a", "android-armv7": "armeabi-v7a",
               "android-x86_64": "x86_64", "android-x86": "x86"}
