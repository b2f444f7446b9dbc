/* mul.f32: output = clamp(a * b, act_min, act_max) with numpy broadcasting. */
#include "../shared/binary.h"

SELRT_BINARY_ACT_F32(mul, x * y);
